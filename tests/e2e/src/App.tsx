// The reference client: the media table with filters, a title search, sortable
// columns, next/previous pages, a facet bar with counts, a per-row
// rejection-status action, per-row buttons for exactly the actions a row allows,
// and a multi-select bulk reject that goes through a dry run first.
import { type FormEvent, useCallback, useEffect, useRef, useState } from "react";

import {
  ACTION_LABELS,
  type ActionName,
  API_BASE_URL,
  BatchRefused,
  type BulkResponse,
  type BulkResult,
  bulkReject,
  type Facets,
  getFacets,
  getItem,
  type ListQuery,
  listMedia,
  type Media,
  type MediaItem,
  type MediaPage,
  MEDIA_TYPES,
  PIPELINE_STATUSES,
  type PipelineStatus,
  queryFromLink,
  REJECTION_STATUSES,
  type RejectionStatus,
  ROW_ACTIONS,
  runAction,
  setRejectionStatus,
  type SortBy,
} from "./api";

export const PAGE_SIZE = 25;

const FIRST_PAGE: ListQuery = {
  limit: PAGE_SIZE,
  offset: 0,
  sort_by: "created_at",
  sort_order: "desc",
};

type Column = SortBy & keyof Media;

const COLUMNS: { key: Column; label: string; show: (row: Media) => string }[] = [
  { key: "hash", label: "Hash", show: (row) => row.hash.slice(0, 10) },
  { key: "media_type", label: "Type", show: (row) => row.media_type },
  { key: "media_title", label: "Title", show: (row) => row.media_title ?? "" },
  { key: "release_year", label: "Year", show: (row) => String(row.release_year ?? "") },
  { key: "pipeline_status", label: "Pipeline", show: (row) => row.pipeline_status },
  { key: "rejection_status", label: "Rejection", show: (row) => row.rejection_status },
  { key: "imdb_rating", label: "IMDb", show: (row) => (row.imdb_rating ?? "").toString() },
  { key: "created_at", label: "Created", show: (row) => row.created_at ?? "" },
];

const STATUS_LABELS: Record<(typeof ROW_ACTIONS)[number], string> = {
  accepted: "Accept",
  rejected: "Reject",
  override: "Override",
};

// The filters with a select: each a column of the list's query, with its labels.
const SELECT_OPTIONS = {
  media_type: MEDIA_TYPES,
  pipeline_status: PIPELINE_STATUSES,
  rejection_status: REJECTION_STATUSES,
};

function Select(props: {
  name: keyof typeof SELECT_OPTIONS;
  label: string;
  query: ListQuery;
  refine: (change: Partial<ListQuery>) => void;
}) {
  return (
    <label>
      {props.label}{" "}
      <select
        name={props.name}
        data-testid={`filter-${props.name}`}
        value={props.query[props.name]?.[0] ?? ""}
        onChange={(event) =>
          // The options are the column's labels, so the value is one of them.
          props.refine({ [props.name]: event.target.value ? [event.target.value] : undefined } as Partial<ListQuery>)
        }
      >
        <option value="">all</option>
        {Object.entries(SELECT_OPTIONS[props.name]).map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Counts per pipeline status (and of rows in error) for the other filters; a click filters. */
function FacetBar(props: { facets: Facets | null; query: ListQuery; refine: (change: Partial<ListQuery>) => void }) {
  const { facets, query, refine } = props;
  const active = query.pipeline_status?.length === 1 ? query.pipeline_status[0] : undefined;
  const errors = facets?.facets.error_status?.find((count) => count.value === true)?.count ?? 0;
  return (
    <nav className="facets" data-testid="facets" aria-busy={facets === null}>
      <button
        type="button"
        data-facet="pipeline_status"
        data-value=""
        aria-pressed={active === undefined}
        onClick={() => refine({ pipeline_status: undefined })}
      >
        All <span className="count">{facets?.total ?? "…"}</span>
      </button>
      {(facets?.facets.pipeline_status ?? []).map(({ value, count }) => {
        const status = value as PipelineStatus;
        return (
          <button
            key={status}
            type="button"
            data-facet="pipeline_status"
            data-value={status}
            aria-pressed={active === status}
            disabled={count === 0}
            onClick={() => refine({ pipeline_status: [status] })}
          >
            {PIPELINE_STATUSES[status] ?? status} <span className="count">{count}</span>
          </button>
        );
      })}
      <button
        type="button"
        data-facet="error_status"
        data-value="true"
        aria-pressed={query.error_status === true}
        onClick={() => refine({ error_status: query.error_status === true ? undefined : true })}
      >
        In error <span className="count">{errors}</span>
      </button>
    </nav>
  );
}

/** The buttons of the actions one row allows now (its GET answer), and a reason for reject. */
function RowActions(props: {
  item: MediaItem;
  busy: boolean;
  onAction: (name: ActionName, reason: string) => void;
}) {
  const [reason, setReason] = useState("");
  return (
    <div className="row-actions" data-testid="row-actions">
      {props.item.allowed_actions.length === 0 && <span className="muted">no action</span>}
      {props.item.allowed_actions.map((name) => (
        <button
          key={name}
          type="button"
          data-row-action={name}
          disabled={props.busy || (name === "reject" && !reason.trim())}
          onClick={() => props.onAction(name, reason.trim())}
        >
          {ACTION_LABELS[name]}
        </button>
      ))}
      {props.item.allowed_actions.includes("reject") && (
        <input
          data-testid="row-reason"
          placeholder="reason to reject"
          value={reason}
          onChange={(event) => setReason(event.target.value)}
        />
      )}
    </div>
  );
}

/** The dry run's answer (or refusal) for the selected rows, and the button that confirms it. */
function BulkPanel(props: {
  selected: string[];
  busy: boolean;
  onDryRun: (reason: string) => void;
  onConfirm: (reason: string) => void;
  onClear: () => void;
  preview: { reason: string; hashes: string[]; answer: BulkResponse | null; refused: BulkResult[] } | null;
}) {
  const [reason, setReason] = useState("");
  const { preview, selected } = props;
  const previewed =
    preview?.answer !== null &&
    preview?.reason === reason.trim() &&
    JSON.stringify(preview.hashes) === JSON.stringify(selected);
  return (
    <section className="bulk" data-testid="bulk">
      <strong data-testid="selected-count">{selected.length} selected</strong>
      <input
        data-testid="bulk-reason"
        placeholder="reason to reject"
        value={reason}
        onChange={(event) => setReason(event.target.value)}
      />
      <button
        type="button"
        data-testid="bulk-dry-run"
        disabled={props.busy || !reason.trim()}
        onClick={() => props.onDryRun(reason.trim())}
      >
        Reject selected: dry run
      </button>
      <button
        type="button"
        data-testid="bulk-confirm"
        disabled={props.busy || !previewed}
        onClick={() => props.onConfirm(reason.trim())}
      >
        Confirm: reject {selected.length}
      </button>
      <button type="button" data-testid="bulk-clear" onClick={props.onClear}>
        Clear selection
      </button>
      {preview && (
        <div data-testid="bulk-preview" className={preview.answer ? "notice" : "error"}>
          {preview.answer
            ? `Dry run: ${preview.answer.count} rows would become rejected ("${preview.reason}"); nothing written yet.`
            : `Dry run refused: ${preview.refused.filter((r) => r.status !== 200).length} of ${preview.refused.length} rows cannot be rejected.`}
          <ul>
            {preview.refused
              .filter((result) => result.status !== 200)
              .map((result) => (
                <li key={result.hash} data-refused-hash={result.hash}>
                  {result.hash.slice(0, 10)}: {result.error}
                </li>
              ))}
          </ul>
        </div>
      )}
    </section>
  );
}

export function App() {
  const [query, setQuery] = useState<ListQuery>(FIRST_PAGE);
  const [page, setPage] = useState<MediaPage | null>(null);
  const [facets, setFacets] = useState<Facets | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [title, setTitle] = useState("");
  const [open, setOpen] = useState<MediaItem | null>(null);
  const [selected, setSelected] = useState<string[]>([]);
  const [preview, setPreview] = useState<{
    reason: string;
    hashes: string[];
    answer: BulkResponse | null;
    refused: BulkResult[];
  } | null>(null);
  const latest = useRef(0);

  const load = useCallback((current: ListQuery) => {
    const request = ++latest.current;
    setLoading(true);
    setFacets(null);
    listMedia(current)
      .then((result) => {
        if (request !== latest.current) return; // a newer query answered first
        setPage(result);
        setError(null);
      })
      .catch((reason: unknown) => {
        if (request === latest.current) setError(String(reason));
      })
      .finally(() => {
        if (request === latest.current) setLoading(false);
      });
    getFacets(current)
      .then((result) => request === latest.current && setFacets(result))
      .catch((reason: unknown) => setError(String(reason)));
  }, []);

  useEffect(() => load(query), [query, load]);

  // A filter, search or sort starts again at the first page.
  const refine = (change: Partial<ListQuery>) => setQuery((current) => ({ ...current, ...change, offset: 0 }));

  const sortOn = (column: Column) =>
    refine({
      sort_by: column,
      sort_order: query.sort_by === column && query.sort_order === "asc" ? "desc" : "asc",
    });

  const search = (event: FormEvent) => {
    event.preventDefault();
    refine({ media_title: title.trim() || undefined });
  };

  const replaceRow = (stored: Media) =>
    setPage(
      (current) =>
        current && { ...current, data: current.data.map((item) => (item.hash === stored.hash ? stored : item)) },
    );

  const write = async (hash: string, work: () => Promise<string>) => {
    setBusy(hash);
    setNotice(null);
    try {
      setNotice(await work());
      setError(null);
      getFacets(query).then(setFacets, (reason: unknown) => setError(String(reason)));
    } catch (reason) {
      setError(String(reason));
    } finally {
      setBusy(null);
    }
  };

  const setStatus = (row: Media, status: RejectionStatus) =>
    write(row.hash, async () => {
      const stored = await setRejectionStatus(row.hash, status);
      replaceRow(stored);
      return `${stored.hash.slice(0, 10)} is now ${stored.rejection_status}`;
    });

  // The row as GET answers it now: its allowed_actions decide the buttons.
  const openActions = async (row: Media) => {
    if (open?.hash === row.hash) {
      setOpen(null);
      return;
    }
    try {
      setOpen(await getItem(row.hash));
    } catch (reason) {
      setError(String(reason));
    }
  };

  const act = (hash: string, name: ActionName, reason: string) =>
    write(hash, async () => {
      const stored = await runAction(hash, name, reason);
      replaceRow(stored);
      setOpen(stored);
      return `${ACTION_LABELS[name]}: ${hash.slice(0, 10)} is now ${stored.pipeline_status} / ${stored.rejection_status}`;
    });

  const toggle = (hash: string) => {
    setSelected((current) => (current.includes(hash) ? current.filter((h) => h !== hash) : [...current, hash]));
  };

  const bulk = (reason: string, dryRun: boolean) =>
    write("bulk", async () => {
      const hashes = [...selected];
      try {
        const answer = await bulkReject(hashes, reason, dryRun);
        if (dryRun) {
          setPreview({ reason, hashes, answer, refused: [] });
          return "";
        }
        setPreview(null);
        setSelected([]);
        load(query);
        return `Rejected ${answer.count} rows (batch ${answer.batch_id})`;
      } catch (reason_) {
        if (!(reason_ instanceof BatchRefused)) throw reason_;
        setPreview({ reason, hashes, answer: null, refused: reason_.results });
        return "";
      }
    });

  const pagination = page?.pagination;
  const first = pagination && pagination.total > 0 ? pagination.offset + 1 : 0;
  const last = pagination ? pagination.offset + (page?.data.length ?? 0) : 0;
  const pageHashes = page?.data.map((row) => row.hash) ?? [];

  return (
    <main>
      <h1>Media</h1>
      <p className="muted">
        API: <code>{API_BASE_URL || "(VITE_API_BASE_URL unset)"}</code>
      </p>

      <form className="filters" onSubmit={search}>
        <Select name="media_type" label="Type" query={query} refine={refine} />
        <Select name="pipeline_status" label="Pipeline" query={query} refine={refine} />
        <Select name="rejection_status" label="Rejection" query={query} refine={refine} />
        <label>
          Title{" "}
          <input
            type="search"
            name="media_title"
            data-testid="search-title"
            value={title}
            placeholder="part of the title"
            onChange={(event) => setTitle(event.target.value)}
          />
        </label>
        <button type="submit" data-testid="search">
          Search
        </button>
      </form>

      <FacetBar facets={facets} query={query} refine={refine} />

      <nav className="pager">
        <button
          type="button"
          data-testid="previous"
          disabled={!pagination?.previous || loading}
          onClick={() => pagination?.previous && setQuery(queryFromLink(pagination.previous))}
        >
          ← Previous
        </button>
        <span data-testid="range" aria-busy={loading}>
          {pagination ? `Rows ${first}–${last} of ${pagination.total}` : "Loading…"}
        </span>
        <button
          type="button"
          data-testid="next"
          disabled={!pagination?.next || loading}
          onClick={() => pagination?.next && setQuery(queryFromLink(pagination.next))}
        >
          Next →
        </button>
      </nav>

      {selected.length > 0 && (
        <BulkPanel
          selected={selected}
          busy={busy === "bulk"}
          preview={preview}
          onDryRun={(reason) => void bulk(reason, true)}
          onConfirm={(reason) => void bulk(reason, false)}
          onClear={() => {
            setSelected([]);
            setPreview(null);
          }}
        />
      )}
      {error && (
        <p role="alert" className="error" data-testid="error">
          {error}
        </p>
      )}
      {notice && (
        <p role="status" className="notice" data-testid="notice">
          {notice}
        </p>
      )}

      <table data-testid="media-table" aria-busy={loading}>
        <thead>
          <tr>
            <th>
              <input
                type="checkbox"
                aria-label="select the page"
                data-testid="select-page"
                checked={pageHashes.length > 0 && pageHashes.every((hash) => selected.includes(hash))}
                onChange={(event) =>
                  setSelected((current) =>
                    event.target.checked
                      ? [...current, ...pageHashes.filter((hash) => !current.includes(hash))]
                      : current.filter((hash) => !pageHashes.includes(hash)),
                  )
                }
              />
            </th>
            {COLUMNS.map((column) => {
              const sorted = query.sort_by === column.key;
              return (
                <th
                  key={column.key}
                  data-col={column.key}
                  aria-sort={sorted ? (query.sort_order === "asc" ? "ascending" : "descending") : "none"}
                >
                  <button type="button" className="sort" onClick={() => sortOn(column.key)}>
                    {column.label}
                    {sorted ? (query.sort_order === "asc" ? " ▲" : " ▼") : ""}
                  </button>
                </th>
              );
            })}
            <th>Set rejection status</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {page?.data.map((row) => (
            <tr key={row.hash} data-hash={row.hash} aria-selected={selected.includes(row.hash)}>
              <td className="select">
                <input
                  type="checkbox"
                  aria-label={`select ${row.hash.slice(0, 10)}`}
                  data-testid="select-row"
                  checked={selected.includes(row.hash)}
                  onChange={() => toggle(row.hash)}
                />
              </td>
              {COLUMNS.map((column) => (
                <td key={column.key} data-col={column.key} title={column.key === "hash" ? row.hash : undefined}>
                  {column.show(row)}
                </td>
              ))}
              <td className="actions">
                {ROW_ACTIONS.map((status) => (
                  <button
                    key={status}
                    type="button"
                    data-action={status}
                    disabled={busy === row.hash || row.rejection_status === status}
                    onClick={() => void setStatus(row, status)}
                  >
                    {STATUS_LABELS[status]}
                  </button>
                ))}
              </td>
              <td className="actions">
                <button
                  type="button"
                  data-testid="open-actions"
                  aria-expanded={open?.hash === row.hash}
                  disabled={busy === row.hash}
                  onClick={() => void openActions(row)}
                >
                  {open?.hash === row.hash ? "Close" : "Actions…"}
                </button>
                {open?.hash === row.hash && (
                  <RowActions
                    item={open}
                    busy={busy === row.hash}
                    onAction={(name, reason) => void act(row.hash, name, reason)}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {page && page.data.length === 0 && <p data-testid="empty">No rows match.</p>}
    </main>
  );
}
