"""POST /rear-diff/media/bulk at its limits: malformed batches, 1,000 rows, two batches at once."""

from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.throttling import SimpleRateThrottle

from media.models import Media
from media.operators import token_issue
from tests.support.api import BAD_TIME
from tests.support.database import committed_media, run_together
from tests.support.operators import PARSED, assert_refused, bulk, history, row_in, state
from tests.support.rows import unchanged

pytestmark = pytest.mark.usefixtures("clear_throttles")

HASH = "eb50f630702e8a59ef6ecfaf9f5eecae7a9856a1"


@pytest.mark.parametrize(
    ("body", "details"),
    [
        (
            {"action": "reject", "reason": "x"},
            {"non_field_errors": ["Give exactly one of hashes and filter."]},
        ),
        (
            {"action": "reject", "reason": "x", "hashes": [HASH], "filter": {}},
            {"non_field_errors": ["Give exactly one of hashes and filter."]},
        ),
        (
            {"action": "re-ingest", "filter": {"pipeline_status": "rejected"}},
            {"expected_count": ["A filter needs expected_count: the rows you saw it match."]},
        ),
        (
            {"action": "re-ingest", "hashes": [HASH], "expected_count": 1},
            {"expected_count": ["expected_count goes with filter, not with hashes."]},
        ),
        (
            {"action": "re-ingest", "hashes": [HASH, HASH.upper()]},
            {"hashes": ["Give each hash once."]},
        ),
        (
            {"action": "re-ingest", "hashes": ["f" * 40] * 0},
            {"hashes": ["Ensure this field has at least 1 elements."]},
        ),
        (
            {"action": "re-ingest", "hashes": [f"{n:040x}" for n in range(1001)]},
            {"hashes": ["Ensure this field has no more than 1000 elements."]},
        ),
        ({"action": "reject", "hashes": [HASH]}, {"reason": ["reject needs a reason."]}),
        (
            {"action": "promote", "hashes": [HASH]},
            {"action": ['"promote" is not a valid choice.']},
        ),
        (
            {"action": "re-ingest", "filter": {"limit": "5"}, "expected_count": 5},
            {"filter": ["limit pages the list; a batch takes every row the filter matches."]},
        ),
        (
            {"action": "re-ingest", "filter": {"pipeline_status": ["rejected"]}}
            | {"expected_count": 1},
            {"filter": {"pipeline_status": ["Not a valid string."]}},
        ),
        (
            {"action": "re-ingest", "hashes": [HASH], "if_match": {"nope": '"1-2"'}},
            {"if_match": ["hash must be 40 hexadecimal characters"]},
        ),
        (
            {"action": "re-ingest", "hashes": [HASH], "if_match": {HASH: 1}},
            {"if_match": {HASH: ["Not a valid string."]}},
        ),
        (
            {"action": "re-ingest", "hashes": [HASH], "dry_run": "perhaps"},
            {"dry_run": ["Must be a valid boolean."]},
        ),
    ],
)
def test_a_malformed_batch_answers_400_naming_the_field(
    operator_client, sample_media, body, details
):
    with unchanged(HASH):
        response = bulk(operator_client, body)

    assert assert_refused(response, 400, "Invalid request")["details"] == details
    assert history() == []


def test_a_bad_filter_answers_400_naming_its_parameter_under_filter(operator_client, make_media):
    row = row_in(make_media, **PARSED)

    response = bulk(
        operator_client,
        {
            "action": "re-ingest",
            "filter": {"pipeline_status": "parsed,stuck", "created_after": "yesterday"},
            "expected_count": 1,
        },
    )

    assert response.status_code == 400
    details = response.json()["details"]["filter"]
    assert set(details) == {"pipeline_status", "created_after"}
    assert details["created_after"] == [BAD_TIME]
    assert state(row.hash)["pipeline_status"] == "parsed"


def test_an_empty_filter_value_answers_400_naming_it(operator_client, make_media):
    """As `?updated_before=` does on the list: an empty time is not an absent filter."""
    row = row_in(make_media, **PARSED)

    response = bulk(
        operator_client,
        {"action": "re-ingest", "filter": {"updated_before": ""}, "expected_count": 1},
    )

    assert response.status_code == 400
    assert list(response.json()["details"]["filter"]) == ["updated_before"]
    assert state(row.hash)["pipeline_status"] == "parsed"


def test_an_unknown_filter_key_answers_400_naming_it_and_changes_nothing(
    operator_client, make_media
):
    """A misspelt filter would otherwise be ignored, and widen the batch to what the rest
    matches: here the one row the intended filter does not match."""
    row = row_in(make_media, **PARSED)
    body = {
        "action": "re-ingest",
        "filter": {"hash": row.hash, "pipline_status": "complete", "sort": "hash"},
        "expected_count": 1,
    }

    with unchanged(row.hash):
        response = bulk(operator_client, body)

    assert assert_refused(response, 400, "Invalid request")["details"] == {
        "filter": ["Unknown filters: pipline_status, sort."]
    }
    assert history(row.hash) == []


def test_without_the_operators_permission_a_batch_answers_403(make_media, reader_client):
    row = row_in(make_media, **PARSED)

    with unchanged(row.hash):
        response = bulk(reader_client, {"action": "re-ingest", "hashes": [row.hash]})

    assert_refused(response, 403, "Permission denied")


def media_statements(queries) -> list[str]:
    return [query["sql"] for query in queries if Media._meta.db_table in query["sql"]]


@pytest.mark.tables("g0", "g2")
def test_a_batch_of_1000_rows_takes_the_same_few_statements_as_a_batch_of_10(
    operator_client, make_media, settings
):
    """Statements, not time: tests/bench/bulk.py measures the time."""
    settings.MEDIA_LAYOUT_CHECK_SECONDS = 3600  # no layout check among the counted statements
    small = [row.hash for row in make_media(10, seed=31, **PARSED)]
    large = [row.hash for row in make_media(1000, seed=32, **PARSED)]
    counts = []
    for hashes in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = bulk(operator_client, {"action": "reject", "reason": "x", "hashes": hashes})
        assert response.status_code == 200
        assert response.json()["count"] == len(hashes)
        counts.append((len(queries), len(media_statements(queries))))

    assert counts[0] == counts[1]
    total, on_media = counts[1]
    # Lock (SELECT ... FOR UPDATE), UPDATE, re-read; the rest is auth, the history's INSERT,
    # atp.training's keys, the savepoint.
    assert on_media == 3
    assert total <= 12
    assert Media.objects.filter(hash__in=large, pipeline_status="rejected").count() == 1000
    assert len(history()) == 1010


# --- two batches at once --------------------------------------------------------------


@pytest.fixture
def committed_rows(transactional_db, media_table):
    """Committed rows each thread's connection sees; deleted again afterwards."""
    hashes = [f"{0xB0C0 + n:040x}" for n in range(300)]
    rows = [
        {"hash": value, "original_title": f"Batch {value[-4:]} (2024) [1080p]", **PARSED}
        for value in hashes
    ]
    with committed_media(rows):
        yield hashes


@pytest.mark.tables("g2")
@pytest.mark.django_db(transaction=True)
def test_two_batches_over_the_same_rows_in_opposite_orders_both_succeed(
    monkeypatch, operator, committed_rows
):
    """Rows are locked in hash order, whatever the request's order: no deadlock, one waits."""
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {**SimpleRateThrottle.THROTTLE_RATES, "anon": None, "write": None},
    )
    key = token_issue(username=operator.username)
    bodies = [
        {"action": "reject", "reason": "cam", "hashes": committed_rows},
        {"action": "override", "hashes": committed_rows[::-1]},
    ]

    statuses = run_together(key, lambda client, i: bulk(client, bodies[i]).status_code, len(bodies))

    assert statuses == [200, 200]
    # Whichever ran second saw all of the first's rows: every row ends the same.
    finals = {
        (state(value)["pipeline_status"], state(value)["rejection_status"])
        for value in committed_rows
    }
    assert finals in ({("ingested", "override")}, {("rejected", "rejected")})
    batches = Counter(record.batch_id for record in history())
    assert sorted(batches.values()) == [300, 300]


def test_if_match_naming_a_row_outside_the_batch_answers_400(operator_client, make_media):
    row = row_in(make_media, **PARSED)

    response = bulk(
        operator_client,
        {"action": "override", "hashes": [row.hash], "if_match": {HASH: '"1-2"'}},
    )

    assert response.status_code == 400
    assert response.json()["details"] == {"if_match": [f"{HASH} is not one of the batch's hashes."]}
    assert state(row.hash)["rejection_status"] == "unfiltered"
