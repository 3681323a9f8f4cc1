"""The pipeline's `atp.media` table, mapped read-mostly and never managed."""

import re
from datetime import UTC

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

# A torrent info-hash as clients may send it; the table stores it lowercase.
# \A..\Z, not ^..$: "$" would also match before a trailing newline.
HASH_REGEX = re.compile(r"\A[0-9a-fA-F]{40}\Z")
HASH_PATTERN_ECMA = "^[0-9a-fA-F]{40}$"  # the same rule, as OpenAPI spells it


class MediaType(models.TextChoices):
    MOVIE = "movie"
    TV_SHOW = "tv_show"
    TV_SEASON = "tv_season"


class PipelineStatus(models.TextChoices):
    INGESTED = "ingested"
    PAUSED = "paused"
    PARSED = "parsed"
    METADATA_COLLECTED = "metadata_collected"
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


def media_table_name() -> str:
    # Django has no schema option (ticket #6148); a quoted, schema-qualified
    # name works because the PostgreSQL backend does not quote it a second time.
    return f'"{settings.MEDIA_SCHEMA}"."media"'


class MediaQuerySet(models.QuerySet):
    def api_rows(self):
        """Tuples of every column in table order: no model instances (from_db costs
        ~10 ms per 1,000 rows, measured); MediaSerializer formats them.

        Formatting in SQL (to_char) was tried and measured worse: PostgreSQL
        evaluates it for every row before the sort, not for the page (1,000,000
        rows: 100 -> 420 ms).
        """
        return self.values_list(*(field.name for field in self.model._meta.concrete_fields))


class Media(models.Model):
    """One torrent of the pipeline: what it is, where it stands, why it was rejected."""

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
    imdb_rating = models.DecimalField(max_digits=3, decimal_places=1, null=True)
    imdb_votes = models.IntegerField(null=True)
    resolution = models.CharField(max_length=10, null=True)
    video_codec = models.CharField(max_length=10, null=True)
    upload_type = models.CharField(max_length=10, null=True)
    audio_codec = models.CharField(max_length=10, null=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = MediaQuerySet.as_manager()

    class Meta:
        managed = False
        db_table = media_table_name()
        ordering = ["-created_at", "-hash"]
        verbose_name_plural = "media"
        # The one write the service makes; the group `operators` carries it.
        permissions = [("change_rejection_status", "Can change the rejection status of media")]

    def __str__(self):
        return f"{self.hash} {self.media_title or self.original_title}"

    @property
    def etag(self) -> str:
        """A strong ETag: every update refreshes updated_at (trigger 1)."""
        return f'"{self.updated_at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%f}Z"'


class RejectionStatusChange(models.Model):
    """One rejection-status change made through the service: who, when, from what to what.

    Lives in the service's own schema (DJANGO_SCHEMA), written in the same
    transaction as the change it records.
    """

    media_hash = models.CharField(max_length=40)
    old_status = models.CharField(max_length=63, choices=RejectionStatus.choices)
    new_status = models.CharField(max_length=63, choices=RejectionStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The username at the time (kept when the user is deleted), or "anonymous"
    # when AUTH_DISABLED lets anyone write.
    changed_by_name = models.CharField(max_length=150)
    # The row's updated_at after the change (the table's trigger sets it).
    changed_at = models.DateTimeField()
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        # Newest first by id: ids are taken while the row is locked, so they follow
        # commit order; changed_at (the writer's transaction start) need not.
        ordering = ["-id"]
        indexes = [models.Index(fields=["media_hash", "-id"], name="media_change_hash_idx")]

    def __str__(self):
        return (
            f"{self.media_hash}: {self.old_status} -> {self.new_status} by {self.changed_by_name}"
        )
