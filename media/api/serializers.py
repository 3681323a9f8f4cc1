"""What the API reads and writes: the row as served, and the PATCH body."""

from django.core.validators import RegexValidator
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from media.actions import ACTIONS, HISTORY_ACTIONS, MAX_BATCH, allowed_actions
from media.filters import MediaFilter
from media.layout import CONTRACT_KEYS, current_layout
from media.models import HASH_REGEX, Media, MediaChange, PipelineStatus, RejectionStatus
from media.values import json_value

HASH_MESSAGE = "hash must be 40 hexadecimal characters"
REASON_MAX = 500
NOTE_MAX = 2000
# The code of the body-hash-differs-from-path error; its title is "Hash mismatch".
HASH_MISMATCH = "hash_mismatch"


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


class MediaItemSerializer(MediaSerializer):
    """One row as GET /rear-diff/media/{hash} and the writes answer it: with `allowed_actions`.

    `allowed_actions` are the actions this row allows now on this table
    (media.actions), so a front-end enables exactly the buttons that will work.
    """

    allowed_actions = serializers.ListField(
        child=serializers.ChoiceField(choices=list(ACTIONS)),
        help_text="The actions this row allows now (POST .../actions/{name}).",
    )

    class Meta(MediaSerializer.Meta):
        fields = [*MediaSerializer.Meta.fields, "allowed_actions"]

    def to_representation(self, instance):
        layout = self.context.get("layout") or current_layout()
        return {
            **super().to_representation(instance),
            "allowed_actions": allowed_actions(instance, layout),
        }


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


def one_of_labels(column: str, labels) -> str:
    """`Rejection status must be one of: ...` (the contract's message), for any enum column."""
    return f"{column.replace('_', ' ').capitalize()} must be one of: " + ", ".join(labels)


class JsonBooleanField(serializers.BooleanField):
    """A JSON true or false; DRF's BooleanField would also take "yes", 1 or "on"."""

    default_error_messages = {"invalid": _("Must be true or false.")}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictCharField(serializers.CharField):
    """A JSON string; DRF's CharField would also take a number and write it as one."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class RowBodySerializer(serializers.Serializer):
    """A PATCH body that repeats its row's hash and sets enum columns to labels of the live table.

    The declared choices are the schema's (every label the table has had); a
    body being validated takes the live enum's labels.
    """

    hash = HashField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not hasattr(self, "initial_data"):
            return  # documenting, not validating: the schema keeps the declared choices
        layout = self.context.get("layout") or current_layout()
        for name, field in self.fields.items():
            if not isinstance(field, serializers.ChoiceField):
                continue
            labels = layout.labels(name) or list(field.choices)
            field.choices = [(label, label) for label in labels]
            message = one_of_labels(name, labels)
            field.error_messages.update(
                required=f"Field '{name}' is required. {message}",
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


class RejectionStatusUpdateSerializer(RowBodySerializer):
    """The PATCH body. The hash must repeat the path's hash."""

    rejection_status = serializers.ChoiceField(choices=RejectionStatus.choices)


class PipelineStateUpdateSerializer(RowBodySerializer):
    """The console's PATCH .../pipeline body: at least one of the three state columns."""

    pipeline_status = serializers.ChoiceField(choices=PipelineStatus.choices, required=False)
    rejection_status = serializers.ChoiceField(choices=RejectionStatus.choices, required=False)
    error_status = JsonBooleanField(required=False)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if len(attrs) < 2:
            raise serializers.ValidationError(
                "Give at least one of pipeline_status, rejection_status, error_status."
            )
        return attrs


class RejectionStatusUpdatedSerializer(serializers.Serializer):
    """The PATCH's 200 body: the contract's two fields plus the row as now stored."""

    success = serializers.BooleanField(default=True)
    message = serializers.CharField()
    data = MediaItemSerializer()


class ColumnChangeSerializer(serializers.Serializer):
    old = serializers.JSONField(allow_null=True, help_text="The value before the write.")
    new = serializers.JSONField(allow_null=True, help_text="The value after it (and its triggers).")


# The columns in the order the model (and the table) has them: how `changes` read.
COLUMN_ORDER = {field.column: index for index, field in enumerate(Media._meta.concrete_fields)}


class ChangesField(serializers.DictField):
    """{column: {old, new}} in the table's column order (PostgreSQL's jsonb keeps its own)."""

    def to_representation(self, value):
        ordered = sorted(
            value.items(), key=lambda item: COLUMN_ORDER.get(item[0], len(COLUMN_ORDER))
        )
        return super().to_representation(dict(ordered))


class MediaChangeSerializer(serializers.ModelSerializer):
    """One write to a row: the action, each column it changed, why, who, when."""

    action = serializers.ChoiceField(
        choices=list(HISTORY_ACTIONS),
        help_text="`rejection-status` (the PATCH), `pipeline` (the console's route) or an "
        "action's name.",
    )
    old_status = serializers.CharField(help_text="The row's rejection_status before the write.")
    new_status = serializers.CharField(help_text="Its rejection_status after the write.")
    changes = ChangesField(
        child=ColumnChangeSerializer(),
        help_text="Every column whose value changed, as the database holds it after its "
        "triggers (updated_at included); values as the item serves them.",
    )
    changed_by = serializers.CharField(
        source="changed_by_name", help_text="Username, or `anonymous` with AUTH_DISABLED."
    )

    class Meta:
        model = MediaChange
        fields = [
            "id",
            "media_hash",
            "action",
            "old_status",
            "new_status",
            "changes",
            "reason",
            "note",
            "batch_id",
            "changed_by",
            "changed_at",
            "request_id",
        ]
        read_only_fields = fields


class ActionBodySerializer(serializers.Serializer):
    """Why an action is taken: a reason (required to reject) and a note, both kept in the history.

    The action's name comes from the path (context `action`) or the bulk body.
    """

    reason = StrictCharField(
        max_length=REASON_MAX,
        required=False,
        allow_blank=True,
        help_text="Why (up to 500 characters); `reject` needs one and stores it as "
        "rejection_reason.",
    )
    note = StrictCharField(
        max_length=NOTE_MAX,
        required=False,
        allow_blank=True,
        help_text="Anything else worth keeping in the history (up to 2,000 characters).",
    )

    def validate(self, attrs):
        name = attrs.get("action", self.context.get("action"))
        if name not in ACTIONS:
            raise serializers.ValidationError(
                {"action": f"Unknown action {name!r}; one of: {', '.join(ACTIONS)}."}
            )
        if ACTIONS[name].reason_required and not attrs.get("reason"):
            raise serializers.ValidationError({"reason": f"{name} needs a reason."})
        return attrs


# What the field takes, so the schema says it (a JSON number or boolean, as well as a string).
@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "boolean"}]})
class FilterValueField(serializers.CharField):
    """A list filter's value as its query string carries it; a JSON boolean reads true/false."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            data = "true" if data else "false"
        elif not isinstance(data, str | int):
            self.fail("invalid")
        return super().to_internal_value(data)


class BulkSerializer(ActionBodySerializer):
    """POST /rear-diff/media/bulk: one action on `hashes`, or on what `filter` matches."""

    action = serializers.ChoiceField(choices=list(ACTIONS))
    hashes = serializers.ListField(
        child=HashField(),
        min_length=1,
        max_length=MAX_BATCH,
        required=False,
        help_text=f"The rows (up to {MAX_BATCH:,}); or give `filter`.",
    )
    filter = serializers.DictField(
        child=FilterValueField(),
        required=False,
        help_text="The list's filters, as its query parameters (`pipeline_status`: "
        "`rejected,paused`); with `expected_count`. A key that is not one of them is refused.",
    )
    expected_count = serializers.IntegerField(
        min_value=0,
        required=False,
        help_text="How many rows the filter matched when the operator looked; the batch is "
        "refused (409) if it matches another number now.",
    )
    if_match = serializers.DictField(
        child=StrictCharField(max_length=200),
        required=False,
        help_text="hash -> ETag: change that row only if it is still at this version.",
    )
    dry_run = serializers.BooleanField(
        default=False, help_text="Answer what would happen; write nothing."
    )

    def validate_hashes(self, hashes):
        if len(set(hashes)) != len(hashes):
            raise serializers.ValidationError("Give each hash once.")
        return hashes

    def validate_filter(self, values):
        paging = sorted(set(values) & {"limit", "offset"})
        if paging:
            raise serializers.ValidationError(
                f"{paging[0]} pages the list; a batch takes every row the filter matches."
            )
        # The list ignores a parameter it does not know; a batch must not: a misspelt
        # filter would widen it to whatever the other filters match.
        unknown = sorted(set(values) - set(MediaFilter.base_filters))
        if unknown:
            raise serializers.ValidationError(f"Unknown filters: {', '.join(unknown)}.")
        query = QueryDict(mutable=True)
        query.update(values)
        return query

    def validate_if_match(self, tags):
        hash_field = HashField()
        return {hash_field.run_validation(key): value for key, value in tags.items()}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if ("hashes" in attrs) == ("filter" in attrs):
            raise serializers.ValidationError("Give exactly one of hashes and filter.")
        if "filter" in attrs and "expected_count" not in attrs:
            raise serializers.ValidationError(
                {"expected_count": "A filter needs expected_count: the rows you saw it match."}
            )
        if "hashes" in attrs and "expected_count" in attrs:
            raise serializers.ValidationError(
                {"expected_count": "expected_count goes with filter, not with hashes."}
            )
        strangers = set(attrs.get("if_match", {})) - set(attrs.get("hashes", {}))
        if "hashes" in attrs and strangers:
            raise serializers.ValidationError(
                {"if_match": f"{min(strangers)} is not one of the batch's hashes."}
            )
        return attrs


class BulkResultSerializer(serializers.Serializer):
    """One row's result in a bulk answer."""

    hash = serializers.CharField()
    status = serializers.IntegerField(help_text="200, or the status this row alone would get.")
    data = MediaItemSerializer(required=False, help_text="The row (as it would become).")
    error = serializers.CharField(required=False)
    message = serializers.CharField(required=False)
    details = serializers.JSONField(required=False)


class BulkResponseSerializer(serializers.Serializer):
    success = serializers.BooleanField(default=True)
    batch_id = serializers.UUIDField(
        allow_null=True, help_text="The history's id of this batch; null for a dry run."
    )
    dry_run = serializers.BooleanField()
    count = serializers.IntegerField()
    results = BulkResultSerializer(many=True)


class ActionDoneSerializer(serializers.Serializer):
    """An action's 200 body: the row as the database holds it after its triggers."""

    success = serializers.BooleanField(default=True)
    message = serializers.CharField()
    data = MediaItemSerializer()


class ConsoleDoneSerializer(ActionDoneSerializer):
    """The console routes' 200 body: as an action's, plus the hash."""

    hash = serializers.CharField()


class ActionDescriptionSerializer(serializers.Serializer):
    """One row of the action table (media.actions), as this table supports it."""

    name = serializers.ChoiceField(choices=list(ACTIONS))
    summary = serializers.CharField()
    sets = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        help_text="Column -> value; `{reason}` is the request's reason, `{now}` the time.",
    )
    also = serializers.ListField(
        child=serializers.DictField(),
        help_text="Further UPDATEs, each with `sets` and the condition `when` it applies.",
    )
    allowed_when = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField()),
        help_text="The column (or `deleted`) and the values this table allows the action from.",
    )
    needs = serializers.CharField(help_text="The rule, in words, as a refusal states it.")
    then = serializers.CharField(help_text="What the table's triggers do after the UPDATE.")
    reason_required = serializers.BooleanField()
    allowed_on_deleted = serializers.BooleanField()
    supported = serializers.BooleanField(help_text="Whether this table can take the action.")
    unsupported_reason = serializers.CharField(allow_null=True)

    def to_representation(self, instance):
        action, layout = instance, self.context["layout"]
        first, *more = action.steps
        why = action.unsupported(layout)
        return {
            "name": action.name,
            "summary": action.summary,
            "sets": _shown(first.sets),
            "also": [
                {"sets": _shown(step.sets), "when": step.only_if.describe(layout)} for step in more
            ],
            "allowed_when": {action.allowed_when.column: action.allowed_when.values(layout)},
            "needs": action.allowed_when.describe(layout),
            "then": action.trigger_effects,
            "reason_required": action.reason_required,
            "allowed_on_deleted": action.allowed_on_deleted,
            "supported": why is None,
            "unsupported_reason": why,
        }


def _shown(sets) -> dict:
    return {column: getattr(value, "value", value) for column, value in sets.items()}


class FacetCountSerializer(serializers.Serializer):
    value = serializers.JSONField(help_text="A label (or true/false).")
    count = serializers.IntegerField()


class FacetsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="The filtered, non-deleted rows.")
    facets = serializers.DictField(
        child=FacetCountSerializer(many=True),
        help_text="Per asked column, every live label with its count (zeros included).",
    )


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
    details = serializers.JSONField(
        required=False,
        help_text="Per-field messages for a 400; what a refused action found and needs.",
    )
    results = BulkResultSerializer(
        many=True, required=False, help_text="A refused batch: one result per row."
    )
    request_id = serializers.CharField(required=False, help_text="Quote it when reporting.")


class KeySourceSerializer(serializers.Serializer):
    key = serializers.CharField()
    source = serializers.ChoiceField(
        choices=["media", "training", "unavailable"],
        help_text="`media`: a column of atp.media; `training`: atp.training by imdb_id; "
        "`unavailable`: served as null.",
    )
    column = serializers.CharField(allow_null=True, help_text="The column read, if any.")


class ChangeLogStatusSerializer(serializers.Serializer):
    """How cached reads are validated now (media.change_log.status)."""

    mode = serializers.ChoiceField(
        choices=["log", "snapshot"],
        help_text="`log`: by the change log (a commit elsewhere leaves answers valid); "
        "`snapshot`: by the whole database snapshot (any commit on the server reads again).",
    )
    detail = serializers.CharField(help_text="Why, and how to enable the log when it is off.")


class TableLayoutSerializer(serializers.Serializer):
    """The media table as the service serves it now (media.layout.TableLayout), and how
    cached reads of it are validated (`change_log`, given in the context)."""

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
    change_log = ChangeLogStatusSerializer()

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
                "change_log": self.context["change_log"],
            }
        )
