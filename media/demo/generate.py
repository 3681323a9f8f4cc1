"""Deterministic, realistic rows for the media table, on whatever generation it is (COPY).

The demo (`make run`), `media_generate`, the benchmark and the tests' row
factories all write through `media_insert`, which puts each value where the
live table keeps it: on the row, or (G2) in atp.training.
"""

import hashlib
import random
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction

from media.layout import ELSEWHERE, TableLayout, current_layout
from media.models import Media, MediaType, PipelineStatus, RejectionStatus, Training

WORDS = [
    "Black",
    "Blue",
    "Broken",
    "City",
    "Cold",
    "Crown",
    "Dark",
    "Dawn",
    "Dead",
    "Deep",
    "Desert",
    "Dream",
    "Echo",
    "Edge",
    "Empire",
    "Fall",
    "Fire",
    "Forest",
    "Frozen",
    "Ghost",
    "Glass",
    "Gold",
    "Green",
    "Heart",
    "Hidden",
    "High",
    "Home",
    "Hunter",
    "Iron",
    "Island",
    "Kingdom",
    "Last",
    "Light",
    "Lost",
    "Midnight",
    "Moon",
    "Night",
    "North",
    "Ocean",
    "Paper",
    "Red",
    "River",
    "Road",
    "Secret",
    "Shadow",
    "Silent",
    "Silver",
    "Sky",
    "Small",
    "Stone",
    "Storm",
    "Summer",
    "Sun",
    "Tide",
    "Time",
    "Town",
    "Under",
    "War",
    "Water",
    "West",
    "White",
    "Wild",
    "Winter",
    "Wolf",
    "World",
    "Young",
]
GENRES = [
    "Action",
    "Adventure",
    "Animation",
    "Biography",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Family",
    "Fantasy",
    "History",
    "Horror",
    "Music",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Sport",
    "Thriller",
    "War",
    "Western",
]
LANGUAGES = ["en", "en", "en", "fr", "de", "es", "it", "ja", "ko", "hi", "sv", "pt"]
RESOLUTIONS = ["720p", "1080p", "1080p", "2160p", "480p"]
VIDEO_CODECS = ["x264", "x265", "h264", "hevc", "av1"]
AUDIO_CODECS = ["AAC", "AC3", "DTS", "EAC3", "Opus"]
UPLOAD_TYPES = ["WEBRip", "BluRay", "WEB-DL", "HDTV", "DVDRip"]
UPLOADERS = ["yts", "rarbg_mirror", "eztv", "galaxy", "tgx", "ettv", "psa", "qxr"]
REJECTION_REASONS = [
    "resolution 720p is not in allowed_values",
    "imdb_rating below minimum 6.0",
    "language not in allowed languages",
    "genre Horror is excluded",
]
ERRORS = [
    "media ratings API status code: 401",
    "transmission: torrent stalled",
    "file move failed: permission denied",
]
COUNTRIES = ["US", "GB", "FR", "DE", "JP", "KR", "IN", "SE", "ES", "IT", "CA"]
COMPANIES = ["Northlight", "Paper Moon", "Red River", "Tidewater", "Glasshouse", "Ironwood"]
PRODUCTION_STATUSES = ["Released", "Released", "Released", "Post Production", "In Production"]
# Labels weighted as a real queue looks: most rows finished or rejected. A
# generation draws from the labels its enum has.
STATUS_WEIGHTS = {
    PipelineStatus.COMPLETE: 30,
    PipelineStatus.REJECTED: 25,
    PipelineStatus.INGESTED: 8,
    PipelineStatus.PARSED: 6,
    PipelineStatus.FILE_ACCEPTED: 4,
    PipelineStatus.METADATA_COLLECTED: 8,
    PipelineStatus.MEDIA_ACCEPTED: 4,
    PipelineStatus.PAUSED: 3,
    PipelineStatus.QUEUED: 5,
    PipelineStatus.DOWNLOADING: 5,
    PipelineStatus.DOWNLOADED: 5,
    PipelineStatus.TRANSFERRED: 5,
}
TYPE_WEIGHTS = {
    MediaType.MOVIE: 60,
    MediaType.TV_SHOW: 15,
    MediaType.TV_SEASON: 25,
    MediaType.TV_EPISODE_PACK: 3,
    MediaType.UNKNOWN: 1,
}
# Before a row has metadata, and before it was accepted.
EARLY_STATUSES = {PipelineStatus.INGESTED, PipelineStatus.PARSED, PipelineStatus.FILE_ACCEPTED}
# Share of rows a person soft-deleted, where the table has deleted_at; share of
# movies the metadata stage found (a training row, from G2 on).
DELETED_SHARE = 0.02
TRAINING_SHARE = 0.9
EPOCH = datetime(2023, 1, 1, tzinfo=UTC)
SPAN_SECONDS = int(timedelta(days=3 * 365).total_seconds())


def _weighted(rng: random.Random, weights: dict, labels: tuple[str, ...] | None):
    """A label drawn by weight among those the live enum has."""
    allowed = [label for label in weights if labels is None or label in labels]
    return rng.choices(allowed, weights=[weights[label] for label in allowed])[0]


def generate_record(
    rng: random.Random,
    seed: int,
    index: int,
    layout: TableLayout,
    *,
    deleted_share: float = DELETED_SHARE,
    training_share: float = TRAINING_SHARE,
) -> dict:
    """One row's values under every known key; the same seed, index and layout give the same."""
    info_hash = hashlib.sha1(f"{seed}:{index}".encode(), usedforsecurity=False).hexdigest()
    media_type = _weighted(rng, TYPE_WEIGHTS, layout.labels("media_type"))
    status = _weighted(rng, STATUS_WEIGHTS, layout.labels("pipeline_status"))
    record = {
        **_torrent(rng, info_hash, media_type),
        **_pipeline_state(rng, status),
    }
    has_metadata = status not in EARLY_STATUSES
    record.update(_paths(record, has_metadata))
    created = EPOCH + timedelta(
        seconds=rng.randrange(SPAN_SECONDS), microseconds=rng.randrange(10**6)
    )
    record.update(
        imdb_id=f"tt{rng.randrange(10**6, 10**8):07d}" if has_metadata else None,
        tmdb_id=rng.randint(1, 1_500_000) if has_metadata else None,
        created_at=created,
        updated_at=created + timedelta(seconds=rng.randrange(0, 14 * 24 * 3600)),
        deleted_at=None,
        **(_metadata(rng, record["media_title"] or "") if has_metadata else {}),
    )
    if rng.random() < deleted_share and layout.soft_delete:
        # As trigger 5 leaves a row a person deleted.
        record.update(
            deleted_at=record["updated_at"],
            rejection_status=RejectionStatus.REJECTED,
            rejection_reason="user deletion",
        )
    record["has_training"] = has_metadata and rng.random() < training_share
    return record


def _torrent(rng: random.Random, info_hash: str, media_type: str) -> dict:
    """What the RSS feed says of a torrent: its title, release and encoding."""
    title = " ".join(rng.sample(WORDS, rng.randint(1, 4)))
    year = rng.randint(1950, 2026) if rng.random() > 0.03 else None
    season = episode = None
    if media_type != MediaType.MOVIE:
        season = rng.randint(1, 12)
        episode = rng.randint(1, 24) if media_type == MediaType.TV_SHOW else None
    resolution, upload_type = rng.choice(RESOLUTIONS), rng.choice(UPLOAD_TYPES)
    tag = f"S{season:02d}" if season else str(year or "")
    original_title = f"{title} ({tag}) [{resolution}] [{upload_type}]"
    if media_type == MediaType.MOVIE:
        rss_source, link = "yts.mx", f"https://yts.mx/torrent/download/{info_hash.upper()}"
        original_title += " [YTS.MX]"
    else:
        rss_source, link = "episodefeed.com", f"magnet:?xt=urn:btih:{info_hash}"
    return {
        "hash": info_hash,
        "media_type": media_type,
        "media_title": title,
        "season": season,
        "episode": episode,
        "release_year": year,
        "original_title": original_title,
        "original_link": link,
        "rss_source": rss_source,
        "uploader": rng.choice(UPLOADERS),
        "resolution": resolution,
        "video_codec": rng.choice(VIDEO_CODECS),
        "upload_type": upload_type,
        "audio_codec": rng.choice(AUDIO_CODECS),
    }


def _pipeline_state(rng: random.Random, status: str) -> dict:
    """Where a row stands, consistent with what the triggers allow."""
    rejection = RejectionStatus.UNFILTERED
    if status == PipelineStatus.REJECTED:
        rejection = RejectionStatus.REJECTED
    elif status not in EARLY_STATUSES:
        rejection = rng.choices(
            [RejectionStatus.ACCEPTED, RejectionStatus.OVERRIDE], weights=[95, 5]
        )[0]
    error_status = rng.random() < 0.05
    return {
        "pipeline_status": status,
        "error_status": error_status,
        "error_condition": rng.choice(ERRORS) if error_status else None,
        "rejection_status": rejection,
        "rejection_reason": rng.choice(REJECTION_REASONS)
        if rejection == RejectionStatus.REJECTED
        else None,
    }


def _paths(record: dict, has_metadata: bool) -> dict:
    """Where the files are, by how far the row got; the parser has not named an ingested one."""
    status = record["pipeline_status"]
    folder = "movies" if record["media_type"] == MediaType.MOVIE else "tv"
    title, original_title = record["media_title"], record["original_title"]
    downloaded = status in (
        PipelineStatus.DOWNLOADED,
        PipelineStatus.TRANSFERRED,
        PipelineStatus.COMPLETE,
    )
    return {
        "media_title": title if status != PipelineStatus.INGESTED else None,
        "parent_path": f"/downloads/{folder}" if has_metadata else None,
        "target_path": f"/library/{folder}/{title}"
        if status in (PipelineStatus.TRANSFERRED, PipelineStatus.COMPLETE)
        else None,
        "original_path": f"/downloads/{folder}/{original_title}" if downloaded else None,
    }


def _metadata(rng: random.Random, title: str) -> dict:
    """What the metadata stage collects for a title (on the row in G0/G1, in atp.training in G2)."""
    languages = sorted(set(rng.sample(LANGUAGES, rng.randint(1, 2))))
    return {
        "genre": rng.sample(GENRES, rng.randint(1, 3)),
        "language": languages,  # G1 and G2 keep it as spoken_languages (media_insert)
        "original_language": languages[0],
        "rt_score": rng.randint(0, 100) if rng.random() < 0.7 else None,
        "metascore": rng.randint(0, 100) if rng.random() < 0.6 else None,
        "imdb_rating": Decimal(rng.randint(10, 95)) / 10,
        "imdb_votes": rng.randint(5, 2_500_000),
        "budget": rng.randrange(0, 200_000_000, 100_000),
        "revenue": rng.randrange(0, 900_000_000, 100_000),
        "runtime": rng.randint(70, 190),
        "origin_country": [rng.choice(COUNTRIES)],
        "production_companies": rng.sample(COMPANIES, rng.randint(1, 2)),
        "production_countries": sorted(set(rng.sample(COUNTRIES, rng.randint(1, 2)))),
        "production_status": rng.choice(PRODUCTION_STATUSES),
        "original_media_title": title,
        "tagline": f"{title}: it begins." if rng.random() < 0.5 else None,
        "overview": f"A story of {title.lower()}.",
        "tmdb_rating": Decimal(rng.randint(1000, 9500)) / 1000,
        "tmdb_votes": rng.randint(0, 40_000),
    }


def media_insert(records: Iterable[dict], *, layout: TableLayout | None = None) -> int:
    """COPY records into the live table, and their metadata into atp.training where G2 keeps it.

    A record holds values by key or by column name; a key the table keeps under
    another column (G1's `spoken_languages` for `language`) lands there. Columns
    no record names take their defaults; keys the table has no place for are
    dropped. Training rows are written for records whose `has_training` is true
    (default: when they carry a training value), once per imdb_id; an imdb_id
    already there keeps its row.
    """
    layout = layout or current_layout()
    rows = [_by_column(record) for record in records]
    known = {field.column for field in Media._meta.concrete_fields}
    named = set().union(*rows) if rows else set()
    media_columns = [column for column in layout.media if column in known and column in named]
    training_columns = [column for column in _training_columns(layout) if column in named]
    training = {}
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.copy(
            f"COPY {Media._meta.db_table} ({_names(media_columns)}) FROM STDIN"
        ) as copy:
            for values in rows:
                copy.write_row([values.get(column) for column in media_columns])
                if training_columns and _wants_training(values, training_columns):
                    row = [values.get(column) for column in training_columns]
                    training.setdefault(values["imdb_id"], row)
        if training:
            _insert_training(cursor, training_columns, training.values())
    return len(rows)


def _by_column(record: dict) -> dict:
    values = dict(record)
    for key, places in ELSEWHERE.items():
        for _table, column in places:
            if key in values:
                values.setdefault(column, values[key])
    return values


def _training_columns(layout: TableLayout) -> list[str]:
    if not layout.joins_training:
        return []
    known = {field.column for field in Media._meta.concrete_fields} | {
        field.column for field in Training._meta.concrete_fields
    }
    return [column for column in layout.training if column in known]


def _wants_training(values: dict, columns: list[str]) -> bool:
    if not values.get("imdb_id"):
        return False
    if "has_training" in values:
        return bool(values["has_training"])
    return any(values.get(column) is not None for column in columns if column != "imdb_id")


def _insert_training(cursor, columns: list[str], rows: Iterable[list]) -> None:
    table = Training._meta.db_table
    cursor.execute(f"CREATE TEMP TABLE new_training (LIKE {table}) ON COMMIT DROP")
    with cursor.copy(f"COPY new_training ({_names(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    names = _names(columns)  # quoted identifiers of known columns
    cursor.execute(
        f"INSERT INTO {table} ({names}) SELECT {names} FROM new_training "  # noqa: S608
        "ON CONFLICT (imdb_id) DO NOTHING"
    )
    cursor.execute("DROP TABLE new_training")


def _names(columns: list[str]) -> str:
    return ", ".join(connection.ops.quote_name(column) for column in columns)


def media_generate(*, rows: int, seed: int, batch: int = 50_000) -> int:
    """Write `rows` generated rows to the live table; returns how many were written."""
    layout = current_layout()
    rng = random.Random(seed)
    written = 0
    # One COPY per batch keeps the client's buffer small at a million rows.
    while written < rows:
        size = min(batch, rows - written)
        batch_records = (
            generate_record(rng, seed, index, layout) for index in range(written, written + size)
        )
        written += media_insert(batch_records, layout=layout)
    return written
