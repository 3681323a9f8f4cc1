"""Facts of the table and the contract (docs/table.md, docs/api.md), stated apart from the code.

The tests compare what the service does with these, never with what the code
under test computes, so each list is written out here again on purpose.
"""

from datetime import UTC, datetime


def words(text: str) -> list[str]:
    """A list of names written as one string, the way a spec lists them."""
    return text.split()


# The 32 columns of docs/table.md ("The row"), in table order: the item's keys in the
# contract's order.
COLUMNS = words(
    """
    hash media_type media_title season episode release_year pipeline_status error_status
    error_condition rejection_status rejection_reason parent_path target_path original_title
    original_path original_link rss_source uploader imdb_id tmdb_id genre language rt_score
    metascore imdb_rating imdb_votes resolution video_codec upload_type audio_codec created_at
    updated_at
    """
)
# Their JSON types (docs/table.md, "The row"); the rest are booleans, arrays, timestamps.
INTEGER_COLUMNS = words("season episode release_year tmdb_id rt_score metascore imdb_votes")
STRING_COLUMNS = words(
    """
    hash media_type media_title pipeline_status error_condition rejection_status
    rejection_reason parent_path target_path original_title original_path original_link
    rss_source uploader imdb_id resolution video_codec upload_type audio_codec
    """
)
# not null in docs/table.md ("The row").
NOT_NULL_COLUMNS = words(
    """
    hash media_type pipeline_status error_status rejection_status original_title created_at
    updated_at
    """
)

# The generations the suite runs its table tests on (media/demo/ddl.py builds them):
# G0, G1 before soft delete (Flyway 23), and today's G2.
GENERATIONS_UNDER_TEST = ("g0", "g1-v23", "g2")

# G1's metadata columns beyond the 32, in table order (docs/table.md, "The generations").
G1_EXTRAS = words(
    """
    budget revenue runtime origin_country production_companies production_countries
    production_status original_language spoken_languages original_media_title tagline overview
    tmdb_rating tmdb_votes
    """
)
# The known columns each generation has beyond the 32: served after them.
EXTRA_KEYS = {
    "g0": [],
    "g1-v18": G1_EXTRAS,
    "g1-v23": G1_EXTRAS,
    "g1-v27": [*G1_EXTRAS, "deleted_at"],
    "g2": ["deleted_at"],
}
# Labels of each generation's enums (docs/table.md, "The generations").
PIPELINE_STATUSES = {
    "g0": words(
        """
        ingested paused parsed metadata_collected rejected queued downloading downloaded
        transferred complete
        """
    ),
    "g1": words(
        """
        ingested paused parsed rejected file_accepted metadata_collected media_accepted
        downloading downloaded transferred complete
        """
    ),
}
MEDIA_TYPES = {
    "g0": words("movie tv_show tv_season"),
    "g1-v23": words("movie tv_show tv_season unknown"),
    "g1": words("movie tv_show tv_season unknown tv_episode_pack"),
}


def pipeline_statuses(generation: str) -> list[str]:
    return PIPELINE_STATUSES["g0" if generation == "g0" else "g1"]


def media_types(generation: str) -> list[str]:
    if generation in ("g0", "g1-v23", "g1-v18"):
        return MEDIA_TYPES["g0" if generation == "g0" else "g1-v23"]
    return MEDIA_TYPES["g1"]


def as_served(item: dict, generation: str) -> dict:
    """An item of the 32 keys as a generation serves it: its extras added (null, but G1's
    spoken_languages, which holds `language`)."""
    served = dict(item)
    for key in EXTRA_KEYS[generation]:
        served[key] = item["language"] if key == "spoken_languages" else None
    return served


REJECTION_STATUSES = words("unfiltered accepted rejected override")
SORT_ORDERS = ["asc", "desc"]
RSS_SOURCES = ["yts.mx", "episodefeed.com"]
# Every label any generation has had, in each enum's order where they share one.
ALL_MEDIA_TYPES = MEDIA_TYPES["g1"]
ALL_PIPELINE_STATUSES = [*PIPELINE_STATUSES["g1"], "queued"]

ARRAY_COLUMNS = {
    "genre",
    "language",
    "origin_country",
    "production_companies",
    "production_countries",
    "spoken_languages",
}
# The keys of a history entry (docs/api.md, "History").
HISTORY_KEYS = words(
    "id media_hash action old_status new_status changes reason note batch_id changed_by "
    "changed_at request_id"
)
# The keys G2 reads from atp.training (docs/api.md, "How the contract holds across the
# table's generations").
TRAINING_KEYS = words("genre language rt_score metascore imdb_rating imdb_votes")


def table_columns(generation: str) -> list[str]:
    """The known columns of a generation's atp.media, in table order."""
    if generation == "g0":
        return COLUMNS
    head = COLUMNS[: COLUMNS.index("genre")]
    tail = ["resolution", "video_codec", "upload_type", "audio_codec", "created_at", "updated_at"]
    if generation == "g2":
        return [*head, *tail, "deleted_at"]
    metadata = [
        *G1_EXTRAS[: G1_EXTRAS.index("spoken_languages") + 1],
        "genre",
        *G1_EXTRAS[G1_EXTRAS.index("original_media_title") :],
        "rt_score",
        "metascore",
        "imdb_rating",
        "imdb_votes",
    ]
    return [*head, *metadata, *tail, *(["deleted_at"] if generation == "g1-v27" else [])]


def sortable_columns(generation: str) -> list[str]:
    """What sort_by takes: the table's own scalar columns."""
    return [column for column in table_columns(generation) if column not in ARRAY_COLUMNS]


# The sample row of docs/table.md ("The row"), as the pipeline stored it.
SAMPLE_HASH = "eb50f630702e8a59ef6ecfaf9f5eecae7a9856a1"
SAMPLE_ROW = {
    "hash": SAMPLE_HASH,
    "media_type": "movie",
    "media_title": "40 Under 40",
    "release_year": 2013,
    "pipeline_status": "rejected",
    "error_status": False,
    "error_condition": "media ratings API status code: 401",
    "rejection_status": "rejected",
    "rejection_reason": "resolution 720p is not in allowed_values",
    "original_title": "40 Under 40 (2013) [720p] [WEBRip] [YTS.MX]",
    "original_link": "https://yts.mx/torrent/download/EB50F630702E8A59EF6ECFAF9F5EECAE7A9856A1",
    "genre": ["Documentary"],
    "language": ["en"],
    "imdb_id": "tt2759766",
    "resolution": "720p",
    "upload_type": "WEBRip",
    "tmdb_id": 802473,
    "created_at": datetime(2025, 5, 7, 20, 33, 57, 738163, tzinfo=UTC),
    "updated_at": datetime(2025, 5, 7, 20, 33, 57, 738163, tzinfo=UTC),
}
# The same row as the API serves it (docs/api.md, "One row"): "other fields null", times in
# UTC with Z.
SAMPLE_BODY = {
    **dict.fromkeys(COLUMNS),
    **SAMPLE_ROW,
    "created_at": "2025-05-07T20:33:57.738163Z",
    "updated_at": "2025-05-07T20:33:57.738163Z",
}
