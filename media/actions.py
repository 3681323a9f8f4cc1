"""The operator actions: one declarative table of what each sets and when it is allowed.

An operator steers the pipeline by changing the columns its stages react to
(docs/table.md, "What each stage does to a row"). Every action is a row of ACTIONS:
the endpoint, the bulk, an item's `allowed_actions`, GET /rear-diff/media/actions,
the OpenAPI schema and the tests read it, and nothing else states these rules.
What the table's triggers then do to the row is the database's business: the
service answers the row as the database holds it afterwards.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from media.layout import TableLayout

# The most rows one bulk request changes.
MAX_BATCH = 1000
# The pseudo-column of the conditions: whether the row is soft-deleted (deleted_at set).
DELETED = "deleted"
# The columns whose state a refusal reports.
STATE_COLUMNS = ("pipeline_status", "rejection_status", "error_status")


class Input(Enum):
    """A value an action sets that the request or the transaction supplies."""

    REASON = "{reason}"  # the request's reason
    NOW = "{now}"  # the transaction's time, as trigger 1 stamps updated_at


@dataclass(frozen=True)
class Condition:
    """What one column of the row must hold: one of `one_of`, or anything but `none_of`."""

    column: str  # a column of the table, or DELETED
    one_of: tuple = ()
    none_of: tuple = ()

    def holds(self, row: Mapping) -> bool:
        return self.accepts(row_value(row, self.column))

    def accepts(self, value) -> bool:
        return value in self.one_of if self.one_of else value not in self.none_of

    def values(self, layout: TableLayout) -> list:
        """The values of the live table this condition accepts, in the enum's order."""
        labels = layout.labels(self.column)
        candidates = list(labels) if labels is not None else [True, False]
        return [value for value in candidates if self.accepts(value)]

    def describe(self, layout: TableLayout) -> str:
        """The rule in words, with the live table's labels: what a refusal says is needed."""
        if self.column == DELETED:
            return "a deleted row" if self.one_of == (True,) else "a row that is not deleted"
        if self.one_of in ((True,), (False,)):
            return f"{self.column} {str(self.one_of[0]).lower()}"
        if self.one_of:
            return f"{self.column} one of: {', '.join(self.values(layout))}"
        return f"{self.column} other than {' or '.join(self.none_of)}"

    @property
    def table_column(self) -> str:
        return "deleted_at" if self.column == DELETED else self.column


@dataclass(frozen=True)
class Step:
    """One UPDATE: these columns get these values, on the rows `only_if` holds for (all: None)."""

    sets: Mapping[str, object]
    only_if: Condition | None = None


@dataclass(frozen=True)
class Action:
    name: str
    summary: str  # one line for the front-end developer
    steps: tuple[Step, ...]
    allowed_when: Condition
    trigger_effects: str = ""  # what the table's triggers do after the UPDATE (JSON key `then`)
    reason_required: bool = False
    allowed_on_deleted: bool = False  # all but restore answer 409 "Media deleted" on such a row
    columns: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        columns = {column for step in self.steps for column in step.sets}
        columns |= {step.only_if.table_column for step in self.steps if step.only_if}
        columns.add(self.allowed_when.table_column)
        object.__setattr__(self, "columns", tuple(sorted(columns)))

    def unsupported(self, layout: TableLayout) -> str | None:
        """Why the live table cannot take this action (a column or label it lacks), else None."""
        for column in self.columns:
            if column not in layout.media:
                return f"{self.name} needs the column {column}, which this table lacks."
        for step in self.steps:
            for column, value in step.sets.items():
                labels = layout.labels(column)
                if labels is not None and value not in labels:
                    return (
                        f"{self.name} sets {column} to {value}, a label this table's "
                        f"{column} does not have."
                    )
        return None

    def allows(self, row: Mapping) -> bool:
        """Whether the row's state lets this action run (soft delete included)."""
        if row_value(row, DELETED) and not self.allowed_on_deleted:
            return False
        return self.allowed_when.holds(row)

    def refusal_details(self, row: Mapping, layout: TableLayout) -> dict:
        """The 409's details: the action, the row's state, what the action needs."""
        return {
            "action": self.name,
            **{column: row.get(column) for column in STATE_COLUMNS},
            "deleted": row_value(row, DELETED),
            "needs": self.allowed_when.describe(layout),
        }


def row_value(row: Mapping, column: str):
    if column == DELETED:
        return row.get("deleted_at") is not None
    return row.get(column)


NOT_YET_DOWNLOADING = (
    "ingested",
    "paused",
    "parsed",
    "file_accepted",
    "metadata_collected",
)

ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(
            "re-ingest",
            "Send the row through the pipeline again from the start.",
            steps=(Step({"pipeline_status": "ingested"}),),
            allowed_when=Condition("pipeline_status", none_of=("ingested",)),
            trigger_effects="Trigger 2 resets rejection_status to unfiltered (unless override) "
            "and clears rejection_reason, error_status and error_condition.",
        ),
        Action(
            "override",
            "Let the row pass every filter; a rejected row is also re-ingested.",
            # Two UPDATEs: trigger 2 keeps rejection_status only when the OLD value is
            # already `override`, so one UPDATE setting both columns would end `unfiltered`.
            steps=(
                Step({"rejection_status": "override"}),
                Step(
                    {"pipeline_status": "ingested"},
                    only_if=Condition("pipeline_status", one_of=("rejected",)),
                ),
            ),
            allowed_when=Condition("rejection_status", none_of=("override",)),
            trigger_effects="Trigger 4 clears rejection_reason; on a re-ingested row trigger 2 "
            "clears error_status and error_condition and keeps override.",
        ),
        Action(
            "approve",
            "Accept the row for download: the next initiation run starts it.",
            steps=(
                Step(
                    {
                        "pipeline_status": "media_accepted",
                        "rejection_status": "accepted",
                        "error_status": False,
                    }
                ),
            ),
            allowed_when=Condition("pipeline_status", one_of=(*NOT_YET_DOWNLOADING, "rejected")),
            trigger_effects="Trigger 3 clears error_condition; trigger 4 clears rejection_reason.",
        ),
        Action(
            "reject",
            "Reject the row, with the reason the pipeline's filters missed.",
            steps=(
                Step(
                    {
                        "pipeline_status": "rejected",
                        "rejection_status": "rejected",
                        "rejection_reason": Input.REASON,
                    }
                ),
            ),
            allowed_when=Condition(
                "pipeline_status", one_of=(*NOT_YET_DOWNLOADING, "media_accepted")
            ),
            reason_required=True,
        ),
        Action(
            "clear-error",
            "Clear the row's error so its stage picks it up again.",
            steps=(Step({"error_status": False}),),
            allowed_when=Condition("error_status", one_of=(True,)),
            trigger_effects="Trigger 3 clears error_condition.",
        ),
        Action(
            "complete",
            "Mark a downloaded or transferred row complete.",
            steps=(Step({"pipeline_status": "complete"}),),
            allowed_when=Condition("pipeline_status", one_of=("downloaded", "transferred")),
        ),
        Action(
            "delete",
            "Soft-delete the row: every stage of the pipeline ignores it from now on.",
            steps=(Step({"deleted_at": Input.NOW}),),
            allowed_when=Condition(DELETED, one_of=(False,)),
            trigger_effects="Trigger 5 sets rejection_status to rejected, reason `user deletion`.",
        ),
        Action(
            "restore",
            "Undo a soft delete.",
            steps=(Step({"deleted_at": None}),),
            allowed_when=Condition(DELETED, one_of=(True,)),
            allowed_on_deleted=True,
        ),
    )
}


# The actions each layout (by its catalogue fingerprint) supports: asked per row served.
_SUPPORTED: dict[str, tuple[Action, ...]] = {}


def supported_actions(layout: TableLayout) -> tuple[Action, ...]:
    """The actions the live table can take, in the table's order."""
    found = _SUPPORTED.get(layout.fingerprint)
    if found is None:
        found = tuple(action for action in ACTIONS.values() if not action.unsupported(layout))
        _SUPPORTED[layout.fingerprint] = found
    return found


def allowed_actions(row: Mapping, layout: TableLayout) -> list[str]:
    """The actions this row allows now on this table, in the table's order."""
    return [action.name for action in supported_actions(layout) if action.allows(row)]


ACTION_NAMES = tuple(ACTIONS)

# The history's names of the writes that are not actions.
REJECTION_STATUS_WRITE = "rejection-status"  # PATCH /rear-diff/media/{hash}/rejection-status
PIPELINE_WRITE = "pipeline"  # the console's PATCH /rear-diff/media/{hash}/pipeline
HISTORY_ACTIONS = (REJECTION_STATUS_WRITE, PIPELINE_WRITE, *ACTIONS)
