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
  type Change,
  eventsUrl,
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
  queryFromLink,
  type RejectionStatus,
  ROW_ACTIONS,
  runAction,
  setRejectionStatus,
  type SortBy,
} from "./api";
import { BulkPanel, FacetBar, RowActions, Select, STATUS_LABELS } from "./controls";

export const PAGE_SIZE = 25;

const FIRST_PAGE: ListQuery = {
  limit: PAGE_SIZE,
  offset: 0,
  sort_by: "created_at",
  sort_order: "desc",
};

// A column sorts on its key where the service sorts on it (the schema's sort_by enum). The
// IMDb rating comes from atp.training on G2, which the service cannot sort on.
type Column = { key: keyof Media; sortBy?: SortBy; label: string; show: (row: Media) => string };

const COLUMNS: Column[] = [
  { key: "hash", sortBy: "hash", label: "Hash", show: (row) => row.hash.slice(0, 10) },
  { key: "media_type", sortBy: "media_type", label: "Type", show: (row) => row.media_type },
  { key: "media_title", sortBy: "media_title", label: "Title", show: (row) => row.media_title ?? "" },
  { key: "release_year", sortBy: "release_year", label: "Year", show: (row) => String(row.release_year ?? "") },
  { key: "pipeline_status", sortBy: "pipeline_status", label: "Pipeline", show: (row) => row.pipeline_status },
  { key: "rejection_status", sortBy: "rejection_status", label: "Rejection", show: (row) => row.rejection_status },
  { key: "imdb_rating", label: "IMDb", show: (row) => (row.imdb_rating ?? "").toString() },
  { key: "created_at", sortBy: "created_at", label: "Created", show: (row) => row.created_at ?? "" },
];

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
  const [live, setLive] = useState(false);

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

  // Live changes: a changed row on this page is read again; a row that entered or
  // left the filters (or a resync) reloads the page; the facet bar is counted again.
  const shown = useRef<string[]>([]);
  shown.current = page?.data.map((row) => row.hash) ?? [];
  const liveQuery = useRef(query);
  liveQuery.current = query;
  const filtersKey = eventsUrl(query);
  useEffect(() => {
    const source = new EventSource(filtersKey);
    const recount = () => getFacets(liveQuery.current).then(setFacets, () => undefined);
    const reload = () => {
      listMedia(liveQuery.current).then(setPage, () => undefined);
      recount();
    };
    source.onopen = () => setLive(true);
    source.onerror = () => setLive(source.readyState === EventSource.OPEN);
    source.addEventListener("media", (event) => {
      const change = JSON.parse((event as MessageEvent<string>).data) as Change;
      if (change.action !== "updated") {
        reload();
        return;
      }
      for (const hash of change.hashes.filter((h) => shown.current.includes(h))) {
        getItem(hash).then(replaceRow, () => undefined);
      }
      recount();
    });
    source.addEventListener("resync", reload);
    return () => {
      source.close();
      setLive(false);
    };
  }, [filtersKey]);

  // A filter, search or sort starts again at the first page.
  const refine = (change: Partial<ListQuery>) => setQuery((current) => ({ ...current, ...change, offset: 0 }));

  const sortOn = (column: SortBy) =>
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
        API: <code>{API_BASE_URL || "(VITE_API_BASE_URL unset)"}</code>{" "}
        <span className={live ? "live on" : "live"} data-testid="live" aria-live="polite">
          {live ? "● live" : "○ not live"}
        </span>
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
            {COLUMNS.map(({ key, sortBy, label }) => {
              const sorted = sortBy !== undefined && query.sort_by === sortBy;
              return (
                <th
                  key={key}
                  data-col={key}
                  aria-sort={sorted ? (query.sort_order === "asc" ? "ascending" : "descending") : "none"}
                >
                  {sortBy === undefined ? (
                    label
                  ) : (
                    <button type="button" className="sort" onClick={() => sortOn(sortBy)}>
                      {label}
                      {sorted ? (query.sort_order === "asc" ? " ▲" : " ▼") : ""}
                    </button>
                  )}
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
