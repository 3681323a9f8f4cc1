-- wrk script for `make faults` (tests/faults/run.py).
-- Arguments after `--` are the request paths, sent in turn by every connection.
-- Each response is classified against the contract; done() prints one
-- parseable FAULTS_WRK line and up to five FAULTS_SAMPLE lines of what did not
-- fit it. https://github.com/wg/wrk/blob/master/SCRIPTING

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for _, path in ipairs(args) do
    paths[#paths + 1] = path
  end
  sent = 0
  ok = 0            -- 200 with a JSON object
  db_errors = 0     -- 500 {"error":"Database error occurred",...}
  not_ready = 0     -- 503 {"status":"unavailable",...} from readiness
  query_timeouts = 0 -- 503 {"error":"Query timeout",...}
  other = 0         -- anything else: HTML, 502, another body
  samples = ""
  sample_count = 0
end

function request()
  sent = sent + 1
  return wrk.format("GET", paths[(sent - 1) % #paths + 1])
end

local function header(headers, name)
  for key, value in pairs(headers) do
    if string.lower(key) == name then
      return value
    end
  end
  return ""
end

function response(status, headers, body)
  local json = string.find(header(headers, "content-type"), "application/json", 1, true)
  if status == 200 and json and string.sub(body, 1, 1) == "{" then
    ok = ok + 1
  elseif status == 500 and json and string.find(body, '"error":"Database error occurred"', 1, true) then
    db_errors = db_errors + 1
  elseif status == 503 and json and string.find(body, '"status":"unavailable"', 1, true) then
    not_ready = not_ready + 1
  elseif status == 503 and json and string.find(body, '"error":"Query timeout"', 1, true) then
    query_timeouts = query_timeouts + 1
  else
    other = other + 1
    if sample_count < 5 then
      sample_count = sample_count + 1
      local text = string.gsub(string.sub(body, 1, 160), "[\r\n]", " ")
      samples = samples .. "FAULTS_SAMPLE " .. status .. " " .. header(headers, "content-type")
        .. " " .. text .. "\n"
    end
  end
end

function done(summary, latency, requests)
  local totals = {ok = 0, db_errors = 0, not_ready = 0, query_timeouts = 0, other = 0}
  local shown = 0
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
    local text = thread:get("samples") or ""
    for line in string.gmatch(text, "[^\n]+") do
      if shown < 5 then
        io.write(line .. "\n")
        shown = shown + 1
      end
    end
  end
  local e = summary.errors
  io.write(string.format(
    "FAULTS_WRK requests=%d ok=%d db_errors=%d not_ready=%d query_timeouts=%d other=%d " ..
    "connect=%d read=%d write=%d timeout=%d p50_us=%d p99_us=%d max_us=%d duration_us=%d\n",
    summary.requests, totals.ok, totals.db_errors, totals.not_ready, totals.query_timeouts,
    totals.other, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, summary.duration
  ))
end
