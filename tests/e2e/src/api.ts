// The API client: openapi-fetch over the types openapi-typescript generates
// from the service's /rear-diff/openapi.json (src/generated/, never edited by
// hand). Everything below is typed by that schema, so a change to the schema
// that breaks this page fails `tsc --noEmit`.
import createClient from "openapi-fetch";

import type { components, paths } from "./generated/schema";

export type Media = components["schemas"]["Media"];
export type MediaType = components["schemas"]["MediaTypeEnum"];
export type PipelineStatus = components["schemas"]["PipelineStatusEnum"];
export type RejectionStatus = components["schemas"]["RejectionStatusEnum"];
export type MediaPage = components["schemas"]["PaginatedMediaList"];
export type ListQuery = NonNullable<paths["/rear-diff/media"]["get"]["parameters"]["query"]>;
export type SortBy = NonNullable<ListQuery["sort_by"]>;
export type SortOrder = NonNullable<ListQuery["sort_order"]>;

export const API_BASE_URL = import.meta.env.VITE_API_BASE_URL ?? "";
const API_TOKEN = import.meta.env.VITE_API_TOKEN ?? "";

export const api = createClient<paths>({ baseUrl: API_BASE_URL });

// Every value of each enum, with a label. Typed as a Record over the schema's
// enum, so a value added to or removed from the schema fails the type check.
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
  queued: "Queued",
  downloading: "Downloading",
  downloaded: "Downloaded",
  transferred: "Transferred",
  complete: "Complete",
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

// Every column the service may sort on, over the table's generations (the schema's
// sort_by enum); the live table's own are listed by GET /rear-diff/media/table.
const SORT_COLUMNS: Record<SortBy, true> = {
  hash: true, media_type: true, media_title: true, season: true, episode: true,
  release_year: true, pipeline_status: true, error_status: true, error_condition: true,
  rejection_status: true, rejection_reason: true, parent_path: true, target_path: true,
  original_title: true, original_path: true, original_link: true, rss_source: true,
  uploader: true, imdb_id: true, tmdb_id: true, rt_score: true, metascore: true,
  imdb_rating: true, imdb_votes: true, resolution: true, video_codec: true,
  upload_type: true, audio_codec: true, created_at: true, updated_at: true,
  budget: true, revenue: true, runtime: true, production_status: true,
  original_language: true, original_media_title: true, tagline: true, overview: true,
  tmdb_rating: true, tmdb_votes: true, deleted_at: true,
};

function isMember<T extends string>(record: Record<T, unknown>, value: string | null): value is T {
  return value !== null && Object.prototype.hasOwnProperty.call(record, value);
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
  const mediaType = params.get("media_type");
  if (isMember(MEDIA_TYPES, mediaType)) query.media_type = mediaType;
  const pipelineStatus = params.get("pipeline_status");
  if (isMember(PIPELINE_STATUSES, pipelineStatus)) query.pipeline_status = pipelineStatus;
  const rejectionStatus = params.get("rejection_status");
  if (isMember(REJECTION_STATUSES, rejectionStatus)) query.rejection_status = rejectionStatus;
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
function compact(query: ListQuery): ListQuery {
  return Object.fromEntries(
    Object.entries(query).filter(([, value]) => value !== undefined && value !== ""),
  ) as ListQuery;
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
    // Writes need an operator's token; reads are open.
    headers: API_TOKEN ? { Authorization: `Token ${API_TOKEN}` } : {},
  });
  if (data) return data.data;
  throw new Error(`${response.status} ${error?.error ?? response.statusText}: ${error?.message ?? ""}`);
}
