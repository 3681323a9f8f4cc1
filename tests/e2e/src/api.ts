// The API client: openapi-fetch over the types openapi-typescript generates
// from the service's /rear-diff/openapi.json (src/generated/, never edited by
// hand). Everything below is typed by that schema, so a change to the schema
// that breaks this page fails `tsc --noEmit`.
import createClient from "openapi-fetch";

import type { components, paths } from "./generated/schema";

export type Media = components["schemas"]["Media"];
export type MediaItem = components["schemas"]["MediaItem"];
export type ActionName = components["schemas"]["ActionEnum"];
export type Facets = components["schemas"]["Facets"];
export type BulkResponse = components["schemas"]["BulkResponse"];
export type BulkResult = components["schemas"]["BulkResult"];
export type MediaType = components["schemas"]["MediaTypeEnum"];
export type PipelineStatus = components["schemas"]["PipelineStatusEnum"];
export type RejectionStatus = components["schemas"]["RejectionStatusEnum"];
export type MediaPage = components["schemas"]["PaginatedMediaList"];
export type ListQuery = NonNullable<paths["/rear-diff/media"]["get"]["parameters"]["query"]>;
export type SortBy = NonNullable<ListQuery["sort_by"]>;
export type SortOrder = NonNullable<ListQuery["sort_order"]>;

export const API_BASE_URL = import.meta.env.VITE_API_BASE_URL ?? "";
const API_TOKEN = import.meta.env.VITE_API_TOKEN ?? "";

export const api = createClient<paths>({
  baseUrl: API_BASE_URL,
  // An enum filter takes a set as one comma-separated parameter; the service
  // refuses a parameter given twice (openapi-fetch's default for arrays).
  querySerializer: { array: { style: "form", explode: false } },
});

/** Writes need an operator's token; reads are open. */
const authorization = (): Record<string, string> =>
  API_TOKEN ? { Authorization: `Token ${API_TOKEN}` } : {};

// Every value of each enum, with a label. Typed as a Record over the schema's
// enum, which lists the labels of the table the service serves (here the
// embedded G2 table), so a value added to or removed from it fails the type check.
export const MEDIA_TYPES: Record<MediaType, string> = {
  movie: "Movie",
  tv_show: "TV show",
  tv_season: "TV season",
  tv_episode_pack: "TV episode pack",
  unknown: "Unknown",
};

export const PIPELINE_STATUSES: Record<PipelineStatus, string> = {
  ingested: "Ingested",
  paused: "Paused",
  parsed: "Parsed",
  file_accepted: "File accepted",
  metadata_collected: "Metadata collected",
  media_accepted: "Media accepted",
  rejected: "Rejected",
  downloading: "Downloading",
  downloaded: "Downloaded",
  transferred: "Transferred",
  complete: "Complete",
};

/** A label for each operator action (the schema's ActionEnum: adding one fails the type check). */
export const ACTION_LABELS: Record<ActionName, string> = {
  "re-ingest": "Re-ingest",
  override: "Override",
  approve: "Approve",
  reject: "Reject",
  "clear-error": "Clear error",
  complete: "Complete",
  delete: "Delete",
  restore: "Restore",
};

export const REJECTION_STATUSES: Record<RejectionStatus, string> = {
  unfiltered: "Unfiltered",
  accepted: "Accepted",
  rejected: "Rejected",
  override: "Override",
};

/** The statuses an operator sets from the table. */
export const ROW_ACTIONS = ["accepted", "rejected", "override"] as const satisfies readonly RejectionStatus[];

const SORT_ORDERS: Record<SortOrder, true> = { asc: true, desc: true };

// Every column the service sorts on (the schema's sort_by enum: the G2 table's own scalar columns).
const SORT_COLUMNS: Record<SortBy, true> = {
  hash: true, media_type: true, media_title: true, season: true, episode: true,
  release_year: true, pipeline_status: true, error_status: true, error_condition: true,
  rejection_status: true, rejection_reason: true, parent_path: true, target_path: true,
  original_title: true, original_path: true, original_link: true, rss_source: true,
  uploader: true, imdb_id: true, tmdb_id: true, resolution: true, video_codec: true,
  upload_type: true, audio_codec: true, created_at: true, updated_at: true, deleted_at: true,
};

function isMember<T extends string>(record: Record<T, unknown>, value: string | null): value is T {
  return value !== null && Object.prototype.hasOwnProperty.call(record, value);
}

/** The labels of a comma-separated set that the schema's enum knows. */
function setOf<T extends string>(record: Record<T, unknown>, value: string | null): T[] | undefined {
  if (value === null) return undefined;
  const labels = value.split(",").filter((label): label is T => isMember(record, label));
  return labels.length > 0 ? labels : undefined;
}

/**
 * The list query a `pagination.next` / `previous` link stands for.
 *
 * The links are path-absolute and keep every filter and sort parameter, so
 * following one is "ask again with its query string"; only parameters this
 * page knows are taken over (typed by the schema).
 */
export function queryFromLink(link: string): ListQuery {
  const params = new URL(link, "http://link.invalid").searchParams;
  const query: ListQuery = {};
  query.media_type = setOf(MEDIA_TYPES, params.get("media_type"));
  query.pipeline_status = setOf(PIPELINE_STATUSES, params.get("pipeline_status"));
  query.rejection_status = setOf(REJECTION_STATUSES, params.get("rejection_status"));
  const title = params.get("media_title");
  if (title !== null) query.media_title = title;
  const sortBy = params.get("sort_by");
  if (isMember(SORT_COLUMNS, sortBy)) query.sort_by = sortBy;
  const sortOrder = params.get("sort_order");
  if (isMember(SORT_ORDERS, sortOrder)) query.sort_order = sortOrder;
  const limit = params.get("limit");
  if (limit !== null) query.limit = Number(limit);
  const offset = params.get("offset");
  if (offset !== null) query.offset = Number(offset);
  return query;
}

/** Drop empty values, so the request carries only the parameters in use. */
function compact<Q extends object>(query: Q): Q {
  return Object.fromEntries(
    Object.entries(query).filter(([, value]) => value !== undefined && value !== ""),
  ) as Q;
}

/** An error answer's text: status, title, message and the details. */
function failure(response: Response, error?: { error?: string; message?: string; details?: unknown }) {
  const details = error?.details ? ` ${JSON.stringify(error.details)}` : "";
  return new Error(`${response.status} ${error?.error ?? response.statusText}: ${error?.message ?? ""}${details}`);
}

export async function listMedia(query: ListQuery): Promise<MediaPage> {
  const { data, error, response } = await api.GET("/rear-diff/media", {
    params: { query: compact(query) },
  });
  if (data) return data;
  const details = error?.details ? ` ${JSON.stringify(error.details)}` : "";
  throw new Error(`${response.status} ${error?.error ?? response.statusText}${details}`);
}

export async function setRejectionStatus(hash: string, status: RejectionStatus): Promise<Media> {
  const { data, error, response } = await api.PATCH("/rear-diff/media/{hash}/rejection-status", {
    params: { path: { hash } },
    body: { hash, rejection_status: status },
    headers: authorization(),
  });
  if (data) return data.data;
  throw failure(response, error);
}

export type FacetQuery = NonNullable<paths["/rear-diff/media/facets"]["get"]["parameters"]["query"]>;

/**
 * The facet bar's query: the list's filters but its own pipeline_status, so the
 * bar counts every status the other filters leave (GET /rear-diff/media/facets).
 */
export function facetQuery(query: ListQuery): FacetQuery {
  return compact({
    media_type: query.media_type,
    rejection_status: query.rejection_status,
    media_title: query.media_title,
    fields: ["pipeline_status", "error_status"],
  });
}

/** Counts per value for the facet bar. */
export async function getFacets(query: ListQuery): Promise<Facets> {
  const { data, error, response } = await api.GET("/rear-diff/media/facets", {
    params: { query: facetQuery(query) },
  });
  if (data) return data;
  throw new Error(`${response.status} ${error?.error ?? response.statusText}`);
}

/**
 * Live changes (GET /rear-diff/media/events, Server-Sent Events): the list's
 * filters, so only the rows this view shows or showed are announced. EventSource
 * reconnects by itself and sends the last id it saw, so nothing is missed.
 */
export type Change = { action: "created" | "updated" | "deleted"; hashes: string[] };

export function eventsUrl(query: ListQuery): string {
  const filters = compact({
    media_type: query.media_type,
    pipeline_status: query.pipeline_status,
    rejection_status: query.rejection_status,
    media_title: query.media_title,
  });
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    params.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  const search = params.toString();
  return `${API_BASE_URL}/rear-diff/media/events${search ? `?${search}` : ""}`;
}

/** One row with the actions it allows now. */
export async function getItem(hash: string): Promise<MediaItem> {
  const { data, error, response } = await api.GET("/rear-diff/media/{hash}", {
    params: { path: { hash } },
  });
  if (data) return data;
  throw new Error(`${response.status} ${error?.error ?? response.statusText}`);
}

/** Run an operator action on one row; the row as the database now holds it. */
export async function runAction(hash: string, name: ActionName, reason?: string): Promise<MediaItem> {
  const { data, error, response } = await api.POST("/rear-diff/media/{hash}/actions/{name}", {
    params: { path: { hash, name } },
    body: reason ? { reason } : {},
    headers: authorization(),
  });
  if (data) return data.data;
  throw failure(response, error);
}

/** A batch the service refused: nothing was written; one result per row. */
export class BatchRefused extends Error {
  constructor(
    message: string,
    readonly results: BulkResult[],
  ) {
    super(message);
  }
}

/** Reject rows in one all-or-nothing batch; a dry run first says what would happen. */
export async function bulkReject(hashes: string[], reason: string, dryRun: boolean): Promise<BulkResponse> {
  const { data, error, response } = await api.POST("/rear-diff/media/bulk", {
    body: { action: "reject", hashes, reason, dry_run: dryRun },
    headers: authorization(),
  });
  if (data) return data;
  if (error?.results) throw new BatchRefused(`${response.status} ${error.error}: ${error.message}`, error.results);
  throw failure(response, error);
}
