-- wrk script for tests/bench/run.py.
-- done() prints one parseable line: request count, duration, p50/p99 latency, errors.
-- With BENCH_PATCH_HASHES (a file of row hashes, one a line) every request is the
-- rejection-status PATCH, walking the hashes and alternating accepted/rejected per lap;
-- its headers (Content-Type, Authorization) come from wrk's -H options.
-- https://github.com/wg/wrk/blob/master/SCRIPTING

local hashes_file = os.getenv("BENCH_PATCH_HASHES")
if hashes_file then
  local hashes = {}
  for line in io.lines(hashes_file) do
    hashes[#hashes + 1] = line
  end

  local threads = 0
  function setup(thread)
    thread:set("thread_index", threads)
    threads = threads + 1
  end

  local sent = 0
  function request()
    -- Threads start half the list apart, so they rarely wait on each other's row lock.
    local i = sent + thread_index * math.floor(#hashes / 2)
    sent = sent + 1
    local hash = hashes[i % #hashes + 1]
    local status = (math.floor(i / #hashes) % 2 == 0) and "accepted" or "rejected"
    local body = string.format('{"hash": "%s", "rejection_status": "%s"}', hash, status)
    return wrk.format("PATCH", "/rear-diff/media/" .. hash .. "/rejection-status", nil, body)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_WRK requests=%d duration_us=%d p50_us=%d p99_us=%d http_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout
  ))
end
