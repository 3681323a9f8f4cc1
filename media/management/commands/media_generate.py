"""Fill the media table with deterministic, realistic rows, fast (COPY)."""

import hashlib
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from media.models import Media, MediaType, PipelineStatus, RejectionStatus

COLUMNS = [field.column for field in Media._meta.concrete_fields]

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
# Pipeline statuses weighted as a real queue looks: most rows finished or rejected.
STATUS_WEIGHTS = {
    PipelineStatus.COMPLETE: 30,
    PipelineStatus.REJECTED: 25,
    PipelineStatus.INGESTED: 8,
    PipelineStatus.PARSED: 6,
    PipelineStatus.METADATA_COLLECTED: 8,
    PipelineStatus.PAUSED: 3,
    PipelineStatus.QUEUED: 5,
    PipelineStatus.DOWNLOADING: 5,
    PipelineStatus.DOWNLOADED: 5,
    PipelineStatus.TRANSFERRED: 5,
}
EPOCH = datetime(2023, 1, 1, tzinfo=UTC)
SPAN_SECONDS = int(timedelta(days=3 * 365).total_seconds())


def generate_row(rng: random.Random, seed: int, index: int) -> list:
    """One row in table column order; the same seed and index give the same row."""
    info_hash = hashlib.sha1(f"{seed}:{index}".encode(), usedforsecurity=False).hexdigest()
    media_type = rng.choices(list(MediaType), weights=[60, 15, 25])[0]
    title = " ".join(rng.sample(WORDS, rng.randint(1, 4)))
    year = rng.randint(1950, 2026) if rng.random() > 0.03 else None
    season = episode = None
    if media_type != MediaType.MOVIE:
        season = rng.randint(1, 12)
        episode = rng.randint(1, 24) if media_type == MediaType.TV_SHOW else None
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    error_status = rng.random() < 0.05
    rejection = RejectionStatus.UNFILTERED
    if status == PipelineStatus.REJECTED:
        rejection = RejectionStatus.REJECTED
    elif status not in (PipelineStatus.INGESTED, PipelineStatus.PARSED):
        rejection = rng.choices(
            [RejectionStatus.ACCEPTED, RejectionStatus.OVERRIDE], weights=[95, 5]
        )[0]
    resolution = rng.choice(RESOLUTIONS)
    upload_type = rng.choice(UPLOAD_TYPES)
    has_metadata = status not in (PipelineStatus.INGESTED, PipelineStatus.PARSED)
    tag = f"S{season:02d}" if season else str(year or "")
    original_title = f"{title} ({tag}) [{resolution}] [{upload_type}]"
    if media_type == MediaType.MOVIE:
        rss_source, link = "yts.mx", f"https://yts.mx/torrent/download/{info_hash.upper()}"
        original_title += " [YTS.MX]"
    else:
        rss_source, link = "episodefeed.com", f"magnet:?xt=urn:btih:{info_hash}"
    created = EPOCH + timedelta(
        seconds=rng.randrange(SPAN_SECONDS), microseconds=rng.randrange(10**6)
    )
    updated = created + timedelta(seconds=rng.randrange(0, 14 * 24 * 3600))
    folder = "movies" if media_type == MediaType.MOVIE else "tv"
    values = {
        "hash": info_hash,
        "media_type": media_type.value,
        "media_title": title if status != PipelineStatus.INGESTED else None,
        "season": season,
        "episode": episode,
        "release_year": year,
        "pipeline_status": status.value,
        "error_status": error_status,
        "error_condition": rng.choice(ERRORS) if error_status else None,
        "rejection_status": rejection.value,
        "rejection_reason": rng.choice(REJECTION_REASONS)
        if rejection == RejectionStatus.REJECTED
        else None,
        "parent_path": f"/downloads/{folder}" if has_metadata else None,
        "target_path": f"/library/{folder}/{title}"
        if status in (PipelineStatus.TRANSFERRED, PipelineStatus.COMPLETE)
        else None,
        "original_title": original_title,
        "original_path": f"/downloads/{folder}/{original_title}"
        if status
        in (PipelineStatus.DOWNLOADED, PipelineStatus.TRANSFERRED, PipelineStatus.COMPLETE)
        else None,
        "original_link": link,
        "rss_source": rss_source,
        "uploader": rng.choice(UPLOADERS),
        "imdb_id": f"tt{rng.randrange(10**6, 10**8):07d}" if has_metadata else None,
        "tmdb_id": rng.randint(1, 1_500_000) if has_metadata else None,
        "genre": rng.sample(GENRES, rng.randint(1, 3)) if has_metadata else None,
        "language": sorted(set(rng.sample(LANGUAGES, rng.randint(1, 2)))) if has_metadata else None,
        "rt_score": rng.randint(0, 100) if has_metadata and rng.random() < 0.7 else None,
        "metascore": rng.randint(0, 100) if has_metadata and rng.random() < 0.6 else None,
        "imdb_rating": Decimal(rng.randint(10, 95)) / 10 if has_metadata else None,
        "imdb_votes": rng.randint(5, 2_500_000) if has_metadata else None,
        "resolution": resolution,
        "video_codec": rng.choice(VIDEO_CODECS),
        "upload_type": upload_type,
        "audio_codec": rng.choice(AUDIO_CODECS),
        "created_at": created,
        "updated_at": updated,
    }
    return [values[column] for column in COLUMNS]


def media_generate(*, rows: int, seed: int, batch: int = 50_000) -> int:
    """COPY `rows` generated rows into the media table; returns how many were written."""
    rng = random.Random(seed)
    table = Media._meta.db_table
    columns = ", ".join(connection.ops.quote_name(column) for column in COLUMNS)
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        # One COPY per batch keeps the client's buffer small at a million rows.
        while written < rows:
            size = min(batch, rows - written)
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for index in range(written, written + size):
                    copy.write_row(generate_row(rng, seed, index))
            written += size
    return written


class Command(BaseCommand):
    help = "Fill the media table with deterministic, realistic rows (COPY)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--allow-external",
            action="store_true",
            help="Write to a configured (non-embedded) database: only for test or "
            "benchmark databases, never the pipeline's.",
        )

    def handle(self, *args, rows, seed, allow_external, **options):
        if rows < 0:
            raise CommandError("--rows must be >= 0")
        if not settings.EMBEDDED_DATABASE and not allow_external:
            raise CommandError(
                "Refusing to fill a configured database: pass --allow-external if it is a "
                "test or benchmark database."
            )
        started = datetime.now(tz=UTC)
        written = media_generate(rows=rows, seed=seed)
        seconds = (datetime.now(tz=UTC) - started).total_seconds()
        self.stdout.write(f"Wrote {written} rows to {Media._meta.db_table} in {seconds:.1f} s.")
