"""What the API reads and writes: the row as served, and the PATCH body."""

from datetime import UTC

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from media.models import HASH_REGEX, Media, RejectionStatus, RejectionStatusChange

HASH_MESSAGE = "hash must be 40 hexadecimal characters"
REJECTION_STATUS_MESSAGE = "Rejection status must be one of: " + ", ".join(RejectionStatus.values)


MEDIA_COLUMNS = [field.name for field in Media._meta.concrete_fields]
TIMESTAMP_COLUMNS = [
    field.name
    for field in Media._meta.concrete_fields
    if field.get_internal_type() == "DateTimeField"
]


def utc_timestamp(value):
    """ISO 8601 in UTC with a Z and always six fractional digits (the contract's format)."""
    return None if value is None else f"{value.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%f}Z"


class MediaSerializer(serializers.ModelSerializer):
    """One row of `atp.media`, every column under its own name."""

    class Meta:
        model = Media
        fields = "__all__"
        read_only_fields = MEDIA_COLUMNS

    def to_representation(self, instance):
        # Read-only and 1:1 with the columns, so this skips DRF's per-field pass,
        # which cost ~70 ms per 1,000 rows (measured; make bench). The declared
        # fields still describe the output in the OpenAPI schema, and
        # tests/test_list.py pins the format of every column.
        if isinstance(instance, tuple):  # a row of Media.objects.api_rows()
            row = dict(zip(MEDIA_COLUMNS, instance, strict=True))
        else:
            row = {name: getattr(instance, name) for name in MEDIA_COLUMNS}
        for name in TIMESTAMP_COLUMNS:
            row[name] = utc_timestamp(row[name])
        if row["imdb_rating"] is not None:
            row["imdb_rating"] = float(row["imdb_rating"])
        return row


class HashField(serializers.CharField):
    """A torrent info-hash: 40 hex digits, compared case-insensitively, kept lowercase."""

    default_error_messages = {
        "required": _("Field 'hash' is required."),
        "null": _("Field 'hash' is required."),
        "blank": _(HASH_MESSAGE),
        "invalid": _(HASH_MESSAGE),
    }

    def __init__(self, **kwargs):
        # " <hash> " is not 40 hex characters: refuse it rather than trim it.
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)
        self.validators.append(RegexValidator(HASH_REGEX, HASH_MESSAGE, code="invalid"))

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data).lower()


class RejectionStatusUpdateSerializer(serializers.Serializer):
    """The PATCH body. The hash must repeat the path's hash."""

    hash = HashField()
    rejection_status = serializers.ChoiceField(
        choices=RejectionStatus.choices,
        error_messages={
            "required": "Field 'rejection_status' is required. " + REJECTION_STATUS_MESSAGE,
            "null": REJECTION_STATUS_MESSAGE,
            "invalid_choice": REJECTION_STATUS_MESSAGE,
        },
    )

    def validate(self, attrs):
        # The API passes the path's hash; a shell user validating a body alone need not.
        path_hash = self.context.get("path_hash", attrs["hash"])
        if attrs["hash"] != path_hash.lower():
            raise serializers.ValidationError(
                "Path hash and body hash do not match", code="hash_mismatch"
            )
        return attrs


class RejectionStatusUpdatedSerializer(serializers.Serializer):
    """The PATCH's 200 body: the contract's two fields plus the row as now stored."""

    success = serializers.BooleanField(default=True)
    message = serializers.CharField()
    data = MediaSerializer()


class RejectionStatusChangeSerializer(serializers.ModelSerializer):
    """One entry of a row's history."""

    changed_by = serializers.CharField(
        source="changed_by_name", help_text="Username, or `anonymous` with AUTH_DISABLED."
    )

    class Meta:
        model = RejectionStatusChange
        fields = [
            "id",
            "media_hash",
            "old_status",
            "new_status",
            "changed_by",
            "changed_at",
            "request_id",
        ]
        read_only_fields = fields


class ErrorSerializer(serializers.Serializer):
    """Error body of the read endpoints."""

    error = serializers.CharField()
    details = serializers.JSONField(help_text="Per-parameter messages for a 400, else a sentence.")
    request_id = serializers.CharField(required=False, help_text="Quote it when reporting.")


class CommandErrorSerializer(serializers.Serializer):
    """Error body of the PATCH endpoint."""

    success = serializers.BooleanField(default=False)
    error = serializers.CharField()
    message = serializers.CharField()
    details = serializers.JSONField(required=False, help_text="Per-field messages, for a 400.")
    request_id = serializers.CharField(required=False, help_text="Quote it when reporting.")
