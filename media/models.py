"""The pipeline's `atp.media` table, mapped read-mostly and never managed."""

import re

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

# A torrent info-hash as clients may send it; the table stores it lowercase.
# \A..\Z, not ^..$: "$" would also match before a trailing newline.
HASH_REGEX = re.compile(r"\A[0-9a-fA-F]{40}\Z")
HASH_PATTERN_ECMA = "^[0-9a-fA-F]{40}$"  # the same rule, as OpenAPI spells it


# The enums' labels over every generation of the table (docs/table.md, "The generations"), for
# the OpenAPI schema and the demo data. What a request may use is what the live
# table's enum has now (media.layout).
class MediaType(models.TextChoices):
    MOVIE = "movie"
    TV_SHOW = "tv_show"
    TV_SEASON = "tv_season"
    TV_EPISODE_PACK = "tv_episode_pack"
    UNKNOWN = "unknown"


class PipelineStatus(models.TextChoices):
    INGESTED = "ingested"
    PAUSED = "paused"
    PARSED = "parsed"
    FILE_ACCEPTED = "file_accepted"
    METADATA_COLLECTED = "metadata_collected"
    MEDIA_ACCEPTED = "media_accepted"
    REJECTED = "rejected"
    QUEUED = "queued"
    DOWNLOADING = "downloading"
    DOWNLOADED = "downloaded"
    TRANSFERRED = "transferred"
    COMPLETE = "complete"


class RejectionStatus(models.TextChoices):
    UNFILTERED = "unfiltered"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    OVERRIDE = "override"


class RssSource(models.TextChoices):
    YTS_MX = "yts.mx"
    EPISODEFEED_COM = "episodefeed.com"


class PgEnumField(models.CharField):
    """A column of a PostgreSQL enum type, read and written as text.

    `enum_type` names the type so the drift check (media/checks.py) can compare
    the model's choices with the live enum labels.
    """

    def __init__(self, *args, enum_type: str, **kwargs):
        self.enum_type = enum_type
        kwargs.setdefault("max_length", 63)  # PostgreSQL's limit on a label
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["enum_type"] = self.enum_type
        return name, path, args, kwargs

    def db_type(self, connection):
        return self.enum_type


class FixedCharField(models.CharField):
    """A `char(n)` column (blank-padded), as the table's primary key is."""

    def db_type(self, connection):
        return f"char({self.max_length})"


def table_name(name: str) -> str:
    # Django has no schema option (ticket #6148); a quoted, schema-qualified
    # name works because the PostgreSQL backend does not quote it a second time.
    return f'"{settings.MEDIA_SCHEMA}"."{name}"'


class MediaQuerySet(models.QuerySet):
    def visible(self, *, layout, include_deleted: bool = False):
        """The rows the pipeline still works on: soft-deleted ones are gone unless asked for.

        A table without deleted_at (before Flyway 24) has nothing to hide.
        """
        if include_deleted or not layout.soft_delete:
            return self
        return self.filter(deleted_at__isnull=True)


class Media(models.Model):
    """One torrent of the pipeline: what it is, where it stands, why it was rejected.

    The fields are every column the service knows over the table's generations:
    the contract's 32 keys, then the extras it serves when the live table has
    them. Which of them the live table has now is media.layout's business; every
    query names its columns from there, never `SELECT *` through this model.
    """

    hash = FixedCharField(primary_key=True, max_length=40)
    media_type = PgEnumField(enum_type="media_type", choices=MediaType.choices)
    media_title = models.CharField(max_length=255, null=True)
    season = models.IntegerField(null=True)
    episode = models.IntegerField(null=True)
    release_year = models.IntegerField(null=True)
    pipeline_status = PgEnumField(
        enum_type="pipeline_status",
        choices=PipelineStatus.choices,
        default=PipelineStatus.INGESTED,
    )
    error_status = models.BooleanField(default=False)
    error_condition = models.TextField(null=True)
    rejection_status = PgEnumField(
        enum_type="rejection_status",
        choices=RejectionStatus.choices,
        default=RejectionStatus.UNFILTERED,
    )
    rejection_reason = models.TextField(null=True)
    parent_path = models.TextField(null=True)
    target_path = models.TextField(null=True)
    original_title = models.TextField()
    original_path = models.TextField(null=True)
    original_link = models.TextField(null=True)
    rss_source = PgEnumField(enum_type="rss_source", choices=RssSource.choices, null=True)
    uploader = models.CharField(max_length=25, null=True)
    imdb_id = models.CharField(max_length=10, null=True)
    tmdb_id = models.IntegerField(null=True)
    genre = ArrayField(models.CharField(max_length=20), null=True)
    language = ArrayField(models.CharField(max_length=20), null=True)
    rt_score = models.IntegerField(null=True)
    metascore = models.IntegerField(null=True)
    imdb_rating = models.DecimalField(max_digits=4, decimal_places=1, null=True)
    imdb_votes = models.IntegerField(null=True)
    resolution = models.CharField(max_length=10, null=True)
    video_codec = models.CharField(max_length=10, null=True)
    upload_type = models.CharField(max_length=10, null=True)
    audio_codec = models.CharField(max_length=10, null=True)
    created_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField(null=True)
    # Extras: served when the live table has them.
    # G1 (Flyway 7-27): the metadata columns beyond the contract's.
    budget = models.BigIntegerField(null=True)
    revenue = models.BigIntegerField(null=True)
    runtime = models.IntegerField(null=True)
    origin_country = ArrayField(FixedCharField(max_length=2), null=True)
    production_companies = ArrayField(models.CharField(max_length=255), null=True)
    production_countries = ArrayField(FixedCharField(max_length=2), null=True)
    production_status = models.CharField(max_length=25, null=True)
    original_language = FixedCharField(max_length=2, null=True)
    spoken_languages = ArrayField(FixedCharField(max_length=2), null=True)
    original_media_title = models.CharField(max_length=255, null=True)
    tagline = models.CharField(max_length=255, null=True)
    overview = models.TextField(null=True)
    tmdb_rating = models.DecimalField(max_digits=5, decimal_places=3, null=True)
    tmdb_votes = models.IntegerField(null=True)
    # Flyway 24 on: soft delete. NULL is active; a time is when a person deleted it.
    deleted_at = models.DateTimeField(null=True)

    objects = MediaQuerySet.as_manager()

    class Meta:
        managed = False
        db_table = table_name("media")
        ordering = ["-created_at", "-hash"]
        verbose_name_plural = "media"
        # The service's writes; the group `operators` carries both.
        permissions = [
            ("change_rejection_status", "Can change the rejection status of media"),
            ("change_pipeline_status", "Can steer media through the pipeline (operator actions)"),
        ]

    def __str__(self):
        return f"{self.hash} {self.media_title or self.original_title}"


class Training(models.Model):
    """The pipeline's `atp.training` (G2 on): one row per movie, keyed by imdb_id.

    The service reads from it the keys G2 moved off `atp.media`, for the rows
    of a page only.
    """

    imdb_id = models.CharField(max_length=10, primary_key=True)
    genre = ArrayField(models.CharField(max_length=20), null=True)
    spoken_languages = ArrayField(FixedCharField(max_length=2), null=True)
    rt_score = models.IntegerField(null=True)
    metascore = models.IntegerField(null=True)
    imdb_rating = models.DecimalField(max_digits=4, decimal_places=1, null=True)
    imdb_votes = models.IntegerField(null=True)

    class Meta:
        managed = False
        db_table = table_name("training")

    def __str__(self):
        return self.imdb_id


def row_etag(version: str, updated_at, served: str = "") -> str:
    """A strong ETag from the row's xmin and updated_at, then `.served` when given.

    xmin (the id of the transaction that wrote this version of the row) changes
    on every write, also where no trigger refreshes updated_at (Flyway 7-18);
    updated_at guards against a transaction id reused after wraparound. An
    item's tag adds a digest of what else its body is read from (`served`:
    atp.training's row, the table's layout); If-Match compares only the row's
    part (row_version_tag), since a write changes the media row alone.
    """
    stamp = "" if updated_at is None else f"-{int(updated_at.timestamp() * 1_000_000)}"
    return f'"{version}{stamp}{"." + served if served else ""}"'


def row_version_tag(etag: str) -> str:
    """The media row's part of an item's ETag, as a tag: `"12-34.ab"` -> `"12-34"`.

    A tag made before the digest was added is its own row part.
    """
    head, dot, _ = etag.partition(".")
    return head + '"' if dot else etag


class MediaChange(models.Model):
    """One write to a media row made through the service: what, which columns, why, who, when.

    Lives in the service's own schema (DJANGO_SCHEMA), written in the same
    transaction as the change it records. Records made before the history grew
    (RejectionStatusChange, migration 0005) keep their fields; their `changes`
    hold the rejection status only.
    """

    media_hash = models.CharField(max_length=40)
    # `rejection-status` (the PATCH), `pipeline` (the console's route), or an action name.
    action = models.CharField(max_length=32)
    # The row's rejection_status before and after the write, whatever the write was.
    old_status = models.CharField(max_length=63, choices=RejectionStatus.choices)
    new_status = models.CharField(max_length=63, choices=RejectionStatus.choices)
    # Every column whose value changed, as the database holds it after its
    # triggers: {column: {"old": value, "new": value}}, values as the item serves them.
    changes = models.JSONField(default=dict)
    reason = models.TextField(blank=True, default="")
    note = models.TextField(blank=True, default="")
    # The bulk request this write was part of; null for a single write.
    batch_id = models.UUIDField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The username at the time (kept when the user is deleted), or "anonymous"
    # when AUTH_DISABLED lets anyone write.
    changed_by_name = models.CharField(max_length=150)
    # The write's transaction time: what trigger 1 writes into updated_at.
    changed_at = models.DateTimeField()
    # The request's id as its log lines and answer carry it: the client's X-Request-ID
    # when it sent a plain one, else the service's own ...
    request_id = models.CharField(max_length=64, blank=True)
    # ... which this always is: unique, whatever the client chose (a client may reuse an id).
    service_request_id = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        # Newest first by id: ids are taken while the row is locked, so they follow
        # commit order; changed_at (the writer's transaction start) need not.
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["media_hash", "-id"], name="media_change_hash_idx"),
            models.Index(fields=["batch_id"], name="media_change_batch_idx"),
            models.Index(fields=["changed_at"], name="media_change_at_idx"),
        ]

    def __str__(self):
        return f"{self.media_hash}: {self.action} by {self.changed_by_name}"
