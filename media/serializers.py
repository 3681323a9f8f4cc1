"""What the API reads and writes: the row as served, and the PATCH body."""

from datetime import UTC, datetime
from decimal import Decimal

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.settings import api_settings

from media.layout import CONTRACT_KEYS, current_layout
from media.models import HASH_REGEX, Media, RejectionStatus, RejectionStatusChange

HASH_MESSAGE = "hash must be 40 hexadecimal characters"
# The code of the body-hash-differs-from-path error; its title is "Hash mismatch".
HASH_MISMATCH = "hash_mismatch"


def utc_timestamp(value: datetime | None) -> str | None:
    """The contract's timestamp: ISO 8601 in UTC, a Z, always six fractional digits."""
    return None if value is None else value.astimezone(UTC).strftime(api_settings.DATETIME_FORMAT)


def json_value(value):
    """A column's value as the item serves it: timestamps as above, numerics as JSON numbers."""
    if isinstance(value, datetime):
        return utc_timestamp(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


class MediaSerializer(serializers.ModelSerializer):
    """One row of `atp.media`: the contract's 32 keys always, known extra columns when present.

    Keys the live table lacks are read from where the pipeline moved them, or
    are null. Extras (`deleted_at`, G1's metadata columns) appear only while the
    table has them, so the schema marks them optional.
    """

    class Meta:
        model = Media
        fields = [field.name for field in Media._meta.concrete_fields]
        read_only_fields = CONTRACT_KEYS
        # Not read-only, so drf-spectacular leaves them out of `required`; this
        # serializer only ever renders.
        extra_kwargs = {
            name: {"required": False, "allow_null": True}
            for name in fields
            if name not in CONTRACT_KEYS
        }

    def to_representation(self, instance):
        # An item from media.selectors, already in key order. This skips DRF's
        # per-field pass, which cost ~70 ms per 1,000 rows (measured; make bench);
        # the declared fields describe the output in the OpenAPI schema.
        return {key: json_value(value) for key, value in instance.items()}


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


def one_of_statuses(labels) -> str:
    return "Rejection status must be one of: " + ", ".join(labels)


class RejectionStatusUpdateSerializer(serializers.Serializer):
    """The PATCH body. The hash must repeat the path's hash.

    `rejection_status` takes the live table's labels (the declared choices are
    the schema's: every label the table has had).
    """

    hash = HashField()
    rejection_status = serializers.ChoiceField(choices=RejectionStatus.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not hasattr(self, "initial_data"):
            return  # documenting, not validating: the schema keeps the declared choices
        layout = self.context.get("layout") or current_layout()
        labels = layout.labels("rejection_status") or RejectionStatus.values
        field = self.fields["rejection_status"]
        field.choices = [(label, label) for label in labels]
        message = one_of_statuses(labels)
        field.error_messages.update(
            required=f"Field 'rejection_status' is required. {message}",
            null=message,
            invalid_choice=message,
        )

    def validate(self, attrs):
        # The API passes the path's hash; a shell user validating a body alone need not.
        path_hash = self.context.get("path_hash", attrs["hash"])
        if attrs["hash"] != path_hash.lower():
            raise serializers.ValidationError(
                "Path hash and body hash do not match", code=HASH_MISMATCH
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


class KeySourceSerializer(serializers.Serializer):
    key = serializers.CharField()
    source = serializers.ChoiceField(
        choices=["media", "training", "unavailable"],
        help_text="`media`: a column of atp.media; `training`: atp.training by imdb_id; "
        "`unavailable`: served as null.",
    )
    column = serializers.CharField(allow_null=True, help_text="The column read, if any.")


class TableLayoutSerializer(serializers.Serializer):
    """The media table as the service serves it now (media.layout.TableLayout)."""

    table = serializers.CharField()
    read_at = serializers.DateTimeField(help_text="When the service last read the catalogue.")
    fingerprint = serializers.CharField(help_text="Digest of the catalogue rows read.")
    soft_delete = serializers.BooleanField(help_text="Whether the table has `deleted_at`.")
    training_table = serializers.BooleanField(help_text="Whether atp.training exists.")
    keys = KeySourceSerializer(many=True, help_text="Every key an item carries, in order.")
    enums = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="The live labels of each enum column.",
    )
    sortable = serializers.ListField(child=serializers.CharField())
    unserved_columns = serializers.ListField(
        child=serializers.CharField(), help_text="Columns of the table the service does not know."
    )
    missing_required = serializers.ListField(
        child=serializers.CharField(),
        help_text="Required columns the table lacks (then not ready).",
    )

    def to_representation(self, instance):
        layout = instance
        return super().to_representation(
            {
                "table": Media._meta.db_table.replace('"', ""),
                "read_at": layout.read_at,
                "fingerprint": layout.fingerprint,
                "soft_delete": layout.soft_delete,
                "training_table": bool(layout.training),
                "keys": [
                    {
                        "key": key,
                        "source": source.table if source else "unavailable",
                        "column": source.column if source else None,
                    }
                    for key, source in layout.sources.items()
                ],
                "enums": {
                    name: list(column.labels)
                    for name, column in layout.media.items()
                    if column.enum_type
                },
                "sortable": layout.sortable,
                "unserved_columns": layout.unserved,
                "missing_required": layout.missing_required,
            }
        )
