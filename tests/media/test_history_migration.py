"""Migration 0005: the rejection-status audit becomes the history of every write, none lost.

The test migrates the test database back to 0004 inside its transaction
(PostgreSQL's DDL is transactional, so the rollback undoes it all), writes
records as the earlier service did, migrates forward and reads them back.
"""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from media.models import MediaChange
from tests.support.api import history_path
from tests.support.rows import add_change

BEFORE = [("media", "0004_training")]
# Forward to the latest migration: the API the test reads through needs them all.
AFTER = [("media", "0007_change_log")]
HASH = "eb50f630702e8a59ef6ecfaf9f5eecae7a9856a1"
AT = datetime(2025, 11, 2, 10, 0, 0, 123456, tzinfo=UTC)


def run_pending_checks():
    """Inserts queue their foreign key's deferred checks; ALTER TABLE refuses to run with any."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.tables("g2")
@pytest.mark.django_db
def test_every_audit_record_survives_with_its_id_and_fields(operator, reader_client, sample_media):
    apps = migrate(BEFORE)
    audit = apps.get_model("media", "RejectionStatusChange")
    old = [
        audit.objects.create(
            media_hash=HASH,
            old_status=old_status,
            new_status=new_status,
            changed_by_id=operator.id if by_operator else None,
            changed_by_name="operator" if by_operator else "anonymous",
            changed_at=AT,
            request_id=f"request-{n}",
        )
        for n, (old_status, new_status, by_operator) in enumerate(
            [
                ("unfiltered", "accepted", True),
                ("accepted", "accepted", False),
                ("accepted", "rejected", True),
            ]
        )
    ]
    fields = ["id", "media_hash", "old_status", "new_status", "changed_by_id"]
    fields += ["changed_by_name", "changed_at", "request_id"]
    before = list(audit.objects.order_by("id").values(*fields))
    run_pending_checks()

    migrate(AFTER)

    after = list(MediaChange.objects.order_by("id").values(*fields))
    assert len(before) == len(after) == 3
    assert after == before
    records = list(MediaChange.objects.order_by("id"))
    assert {record.action for record in records} == {"rejection-status"}
    assert [record.changes for record in records] == [
        {"rejection_status": {"old": "unfiltered", "new": "accepted"}},
        {},  # the status did not change
        {"rejection_status": {"old": "accepted", "new": "rejected"}},
    ]
    assert {(r.reason, r.note, r.batch_id) for r in records} == {("", "", None)}
    assert [record.id for record in old] == [record.id for record in records]
    served = reader_client.get(history_path(HASH)).json()["data"]
    assert [(item["old_status"], item["new_status"], item["request_id"]) for item in served] == [
        ("accepted", "rejected", "request-2"),
        ("accepted", "accepted", "request-1"),
        ("unfiltered", "accepted", "request-0"),
    ]


@pytest.mark.tables("g2")
@pytest.mark.django_db
def test_going_back_keeps_every_record_as_a_rejection_status_change(operator, sample_media):
    add_change(
        HASH,
        action="delete",
        old_status="accepted",
        new_status="rejected",
        changes={"deleted_at": {"old": None, "new": "2025-11-02T10:00:00.123456Z"}},
        changed_by_name="operator",
        changed_at=AT,
    )
    run_pending_checks()

    apps = migrate(BEFORE)

    audit = apps.get_model("media", "RejectionStatusChange")
    assert list(audit.objects.values_list("old_status", "new_status")) == [("accepted", "rejected")]
    migrate(AFTER)
    # The new columns were dropped on the way back: the record reads as the earlier kind.
    record = MediaChange.objects.get()
    assert (record.action, record.changes) == (
        "rejection-status",
        {"rejection_status": {"old": "accepted", "new": "rejected"}},
    )
