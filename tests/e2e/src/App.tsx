// The reference client: the media table with filters, a title search,
// sortable columns, next/previous pages and a per-row rejection-status action.
import { type FormEvent, useEffect, useRef, useState } from "react";

import {
  API_BASE_URL,
  type ListQuery,
  type Media,
  type MediaPage,
  MEDIA_TYPES,
  PIPELINE_STATUSES,
  queryFromLink,
  REJECTION_STATUSES,
  type RejectionStatus,
  ROW_ACTIONS,
  type SortBy,
  listMedia,
  setRejectionStatus,
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

const ACTION_LABELS: Record<(typeof ROW_ACTIONS)[number], string> = {
  accepted: "Accept",
  rejected: "Reject",
  override: "Override",
};

function Select<T extends string>(props: {
  name: keyof ListQuery;
  label: string;
  options: Record<T, string>;
  value: T | undefined;
  onChange: (value: T | undefined) => void;
}) {
  return (
    <label>
      {props.label}{" "}
      <select
        name={props.name}
        data-testid={`filter-${props.name}`}
        value={props.value ?? ""}
        onChange={(event) => props.onChange((event.target.value || undefined) as T | undefined)}
      >
        <option value="">all</option>
        {(Object.keys(props.options) as T[]).map((value) => (
          <option key={value} value={value}>
            {props.options[value]}
          </option>
        ))}
      </select>
    </label>
  );
}

export function App() {
  const [query, setQuery] = useState<ListQuery>(FIRST_PAGE);
  const [page, setPage] = useState<MediaPage | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [title, setTitle] = useState("");
  const latest = useRef(0);

  useEffect(() => {
    const request = ++latest.current;
    setLoading(true);
    listMedia(query)
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
  }, [query]);

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

  const act = async (row: Media, status: RejectionStatus) => {
    setBusy(row.hash);
    setNotice(null);
    try {
      const stored = await setRejectionStatus(row.hash, status);
      setPage((current) =>
        current && {
          ...current,
          data: current.data.map((item) => (item.hash === stored.hash ? stored : item)),
        },
      );
      setNotice(`${stored.hash.slice(0, 10)} is now ${stored.rejection_status}`);
      setError(null);
    } catch (reason) {
      setError(String(reason));
    } finally {
      setBusy(null);
    }
  };

  const pagination = page?.pagination;
  const first = pagination && pagination.total > 0 ? pagination.offset + 1 : 0;
  const last = pagination ? pagination.offset + (page?.data.length ?? 0) : 0;

  return (
    <main>
      <h1>Media</h1>
      <p className="muted">
        API: <code>{API_BASE_URL || "(VITE_API_BASE_URL unset)"}</code>
      </p>

      <form className="filters" onSubmit={search}>
        <Select
          name="media_type"
          label="Type"
          options={MEDIA_TYPES}
          value={query.media_type}
          onChange={(media_type) => refine({ media_type })}
        />
        <Select
          name="pipeline_status"
          label="Pipeline"
          options={PIPELINE_STATUSES}
          value={query.pipeline_status}
          onChange={(pipeline_status) => refine({ pipeline_status })}
        />
        <Select
          name="rejection_status"
          label="Rejection"
          options={REJECTION_STATUSES}
          value={query.rejection_status}
          onChange={(rejection_status) => refine({ rejection_status })}
        />
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
          </tr>
        </thead>
        <tbody>
          {page?.data.map((row) => (
            <tr key={row.hash} data-hash={row.hash}>
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
                    onClick={() => void act(row, status)}
                  >
                    {ACTION_LABELS[status]}
                  </button>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {page && page.data.length === 0 && <p data-testid="empty">No rows match.</p>}
    </main>
  );
}
