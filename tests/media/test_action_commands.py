"""manage.py media_action and media_history: the API's services from the shell, with the author."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.support.operators import PARSED, history, row_in, state
from tests.support.rows import ABSENT_HASH, unchanged


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_media_action_changes_the_rows_and_records_who_ran_it(operator, make_media, media_table):
    rows = [row_in(make_media, **PARSED) for _ in range(2)]
    hashes = sorted(row.hash for row in rows)

    output = run("media_action", "reject", *hashes, "--reason", "cam rip", "--as", "operator")

    for value in hashes:
        assert state(value)["pipeline_status"] == "rejected"
        assert state(value)["rejection_reason"] == "cam rip"
    records = history()
    assert {(r.action, r.changed_by, r.changed_by_name, r.reason) for r in records} == {
        ("reject", operator, "operator", "cam rip")
    }
    (batch_id,) = {record.batch_id for record in records}
    assert output.splitlines()[:2] == [f"{value} rejected rejected" for value in hashes]
    assert f"reject: 2 rows changed, batch {batch_id}, request " in output
    assert len(records[0].request_id) == 32


def test_media_action_dry_run_writes_nothing(operator, make_media, media_table):
    row = row_in(make_media, pipeline_status="rejected", rejection_status="rejected")

    with unchanged(row.hash):
        output = run("media_action", "re-ingest", row.hash, "--dry-run", "--as", "operator")

    assert output == (
        f"{row.hash} ingested unfiltered\nDry run: 1 rows would change; nothing was written.\n"
    )
    assert history() == []


def test_media_action_needs_as_user_unless_auth_is_disabled(settings, make_media, media_table):
    row = row_in(make_media, **PARSED)

    with pytest.raises(CommandError, match=r"Say who you are: --as USER \(an operator\)."):
        run("media_action", "override", row.hash)
    assert history() == []

    settings.AUTH_DISABLED = True
    run("media_action", "override", row.hash)
    (record,) = history(row.hash)
    assert (record.changed_by, record.changed_by_name) == (None, "anonymous")


def test_media_action_refuses_a_user_who_is_not_an_operator(db, make_media, media_table):
    get_user_model().objects.create_user("visitor")
    row = row_in(make_media, **PARSED)

    with pytest.raises(CommandError, match="visitor lacks the permission"):
        run("media_action", "override", row.hash, "--as", "visitor")
    with pytest.raises(CommandError, match=r"No user named 'ghost'\."):
        run("media_action", "override", row.hash, "--as", "ghost")
    assert state(row.hash)["rejection_status"] == "unfiltered"


def test_media_action_reports_each_refused_row_and_writes_nothing(
    operator, make_media, media_table
):
    fine = row_in(make_media, **PARSED)
    done = row_in(make_media, pipeline_status="complete", rejection_status="accepted")

    with unchanged(fine.hash):
        with pytest.raises(CommandError) as refused:
            run("media_action", "reject", fine.hash, done.hash, ABSENT_HASH)
        with pytest.raises(CommandError) as failed:
            run(
                "media_action",
                "reject",
                fine.hash,
                done.hash,
                ABSENT_HASH,
                "--reason",
                "x",
                "--as",
                "operator",
            )

    assert "--as USER" in str(refused.value)
    lines = str(failed.value).splitlines()
    assert lines[0].startswith("Batch refused: 2 of 3 rows refused the action")
    assert f"  {done.hash}: 409 reject is not allowed" in "\n".join(lines)
    assert f"  {ABSENT_HASH}: 404 No media found with hash: {ABSENT_HASH}" in lines
    assert history() == []


def test_media_action_validates_as_the_api_does(operator, make_media, media_table):
    row = row_in(make_media, **PARSED)

    with pytest.raises(CommandError, match="reject needs a reason"):
        run("media_action", "reject", row.hash, "--as", "operator")
    with pytest.raises(CommandError, match="hash must be 40 hexadecimal characters"):
        run("media_action", "override", "abc", "--as", "operator")
    assert history() == []


def test_media_history_prints_the_writes_newest_first_with_the_api_filters(
    operator, make_media, media_table
):
    row = row_in(make_media, pipeline_status="downloaded", rejection_status="accepted")
    other = row_in(make_media, **PARSED)
    run("media_action", "complete", row.hash, "--as", "operator")
    run("media_action", "reject", other.hash, "--reason", "cam rip", "--as", "operator")
    complete, reject = history()

    everything = run("media_history")
    one_row = run("media_history", "--hash", row.hash.upper())
    since = run("media_history", "--since", "2999-01-01T00:00:00Z")

    stamp = {r.id: r.changed_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ") for r in (complete, reject)}
    assert everything.splitlines() == [
        f"{stamp[reject.id]} reject {other.hash} by operator: pipeline_status parsed -> rejected, "
        "rejection_status unfiltered -> rejected, rejection_reason None -> cam rip "
        "reason: cam rip",
        f"{stamp[complete.id]} complete {row.hash} by operator: "
        "pipeline_status downloaded -> complete",
        "2 of 2 writes.",
    ]
    assert one_row.splitlines()[-1] == "1 of 1 writes."
    assert since == "0 of 0 writes.\n"


def test_media_history_refuses_a_bad_filter(db):
    with pytest.raises(CommandError, match="since"):
        run("media_history", "--since", "last week")
