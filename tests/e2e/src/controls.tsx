// The reference client's controls: a filter select, the facet bar with counts,
// a row's action buttons and the bulk reject's dry-run panel.
import { useState } from "react";

import {
  ACTION_LABELS,
  type ActionName,
  type BulkResponse,
  type BulkResult,
  type Facets,
  type ListQuery,
  type MediaItem,
  MEDIA_TYPES,
  PIPELINE_STATUSES,
  type PipelineStatus,
  REJECTION_STATUSES,
  ROW_ACTIONS,
} from "./api";

export const STATUS_LABELS: Record<(typeof ROW_ACTIONS)[number], string> = {
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

export function Select(props: {
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
export function FacetBar(props: { facets: Facets | null; query: ListQuery; refine: (change: Partial<ListQuery>) => void }) {
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
export function RowActions(props: {
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
export function BulkPanel(props: {
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

