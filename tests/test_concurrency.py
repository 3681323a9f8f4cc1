"""No lost update: ETag / If-Match on the PATCH, and concurrent writers on one row.

The race tests run real threads, each with its own database connection, so the
row, the operator and its token are committed (transaction=True). The media
table is unmanaged, so pytest-django's flush does not empty it: those tests
delete the row they inserted themselves.
"""

import itertools
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from rest_framework.test import APIClient

from media.models import Media, MediaChange
from media.operators import token_issue
from tests.conftest import fetch_row, insert_media

pytestmark = pytest.mark.usefixtures("clear_throttles")
RACES = pytest.mark.tables("g2")  # threads and commits: today's table is enough

PAST = datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
TABLE = Media._meta.db_table
RACE_HASH = "5ace0000000000000000000000000000000000aa"
THREADS = 8


def url(hash_value):
    return f"/rear-diff/media/{hash_value}/rejection-status"


def patch(client, hash_value, rejection_status, if_match=None):
    headers = {"If-Match": if_match} if if_match is not None else {}
    return client.patch(
        url(hash_value),
        {"hash": hash_value, "rejection_status": rejection_status},
        format="json",
        headers=headers,
    )


def precondition_failed(hash_value, current_etag):
    return {
        "success": False,
        "error": "Precondition failed",
        "message": f"Media {hash_value} has changed since it was read "
        f"(its ETag is now {current_etag}); read it again and retry.",
    }


def current_etag(hash_value):
    """The row's version as the database holds it: the writing transaction and updated_at."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT xmin::text, updated_at FROM {TABLE} WHERE hash = %s", [hash_value])
        xmin, updated_at = cursor.fetchone()
    micros = (updated_at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    return f'"{xmin}-{micros}"'


def changes(hash_value):
    return list(MediaChange.objects.filter(media_hash=hash_value).order_by("id"))


@pytest.fixture
def row(make_media):
    (media,) = make_media(rejection_status="unfiltered", updated_at=PAST, created_at=PAST)
    return media


# --- ETag ---------------------------------------------------------------------------


@pytest.fixture
def past_etag(row):
    return current_etag(row.hash)


def test_get_item_carries_an_etag_of_the_row_version(api_client, row):
    response = api_client.get(f"/rear-diff/media/{row.hash}")

    assert response.status_code == 200
    assert response.headers["ETag"] == current_etag(row.hash)


def test_patch_answers_the_new_etag_which_a_later_get_repeats(
    operator_client, api_client, row, past_etag
):
    response = patch(operator_client, row.hash, "accepted")

    assert response.status_code == 200
    etag = response.headers["ETag"]
    assert etag != past_etag
    assert etag == current_etag(row.hash)
    assert api_client.get(f"/rear-diff/media/{row.hash}").headers["ETag"] == etag


@pytest.mark.tables("g1-v18")
def test_etag_changes_on_every_write_where_no_trigger_refreshes_updated_at(
    operator_client, row, media_table
):
    """Flyway 7-18 have no triggers: updated_at stays, the row version (xmin) moves."""
    etags = [current_etag(row.hash)]
    for status in ("accepted", "rejected", "accepted"):
        response = patch(operator_client, row.hash, status, if_match=etags[-1])
        assert response.status_code == 200, response.json()
        etags.append(response.headers["ETag"])

    assert fetch_row(row.hash)["updated_at"] == PAST
    assert len(set(etags)) == 4
    assert etags[-1] == current_etag(row.hash)


# --- If-Match -----------------------------------------------------------------------


def test_patch_with_a_stale_if_match_answers_412_and_changes_nothing(
    operator_client, row, past_etag
):
    first = patch(operator_client, row.hash, "accepted", if_match=past_etag)
    assert first.status_code == 200
    new_etag = first.headers["ETag"]
    before = fetch_row(row.hash)

    response = patch(operator_client, row.hash, "rejected", if_match=past_etag)

    assert response.status_code == 412
    assert response.json() == precondition_failed(row.hash, new_etag)
    assert fetch_row(row.hash) == before
    assert [(c.old_status, c.new_status) for c in changes(row.hash)] == [("unfiltered", "accepted")]


def test_patch_with_an_if_match_that_never_matched_answers_412(operator_client, row, past_etag):
    before = fetch_row(row.hash)

    response = patch(operator_client, row.hash, "rejected", if_match='"not-a-version"')

    assert response.status_code == 412
    assert response.json() == precondition_failed(row.hash, past_etag)
    assert fetch_row(row.hash) == before
    assert changes(row.hash) == []


@pytest.mark.parametrize("if_match", ["{current}", "*", '"1-2", {current}'])
def test_patch_with_a_matching_if_match_answers_200(operator_client, row, past_etag, if_match):
    response = patch(
        operator_client, row.hash, "accepted", if_match=if_match.format(current=past_etag)
    )

    assert response.status_code == 200
    assert response.json()["success"] is True
    assert fetch_row(row.hash)["rejection_status"] == "accepted"
    assert len(changes(row.hash)) == 1


def test_patch_with_the_weak_form_of_the_current_etag_answers_412(operator_client, row, past_etag):
    """If-Match compares strongly (RFC 9110 13.1.1): W/"..." never matches."""
    response = patch(operator_client, row.hash, "accepted", if_match=f"W/{past_etag}")

    assert response.status_code == 412
    assert fetch_row(row.hash)["rejection_status"] == "unfiltered"


def test_patch_without_if_match_works_as_before(operator_client, row):
    response = patch(operator_client, row.hash, "override")

    assert response.status_code == 200
    assert response.json()["success"] is True
    assert fetch_row(row.hash)["rejection_status"] == "override"


def test_anonymous_patch_with_if_match_answers_401_before_any_precondition_check(api_client, row):
    response = patch(api_client, row.hash, "accepted", if_match='"stale"')

    assert response.status_code == 401


# --- the race -------------------------------------------------------------------------


@pytest.fixture
def committed_row(transactional_db, media_table):
    """A committed row every thread's connection can see; deleted again afterwards."""
    Media.objects.filter(hash=RACE_HASH).delete()
    insert_media(
        hash=RACE_HASH,
        media_type="movie",
        original_title="Race (2024) [1080p]",
        rejection_status="unfiltered",
        created_at=PAST,
        updated_at=PAST,
    )
    try:
        yield RACE_HASH
    finally:
        Media.objects.filter(hash=RACE_HASH).delete()
        connection.close()


def run_together(key, work):
    """Run work(client, i) in THREADS threads released at once by a barrier.

    Each thread has its own APIClient and its own database connection, which
    it closes at the end. Exceptions are returned, not lost.
    """
    barrier = threading.Barrier(THREADS)
    results = [None] * THREADS

    def target(i):
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
            barrier.wait(timeout=20)
            results[i] = work(client, i)
        except BaseException as exc:  # returned, then asserted in the caller
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    errors = [result for result in results if isinstance(result, BaseException)]
    assert not errors, errors
    return results


@RACES
@pytest.mark.django_db(transaction=True)
def test_eight_writers_with_the_same_if_match_exactly_one_wins_seven_get_412(
    operator, committed_row
):
    key = token_issue(username=operator.username)
    targets = ["accepted", "rejected", "override"]

    past_etag = current_etag(committed_row)

    responses = run_together(
        key, lambda client, i: patch(client, committed_row, targets[i % 3], if_match=past_etag)
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [412] * (THREADS - 1)
    (winner,) = [response for response in responses if response.status_code == 200]
    won_status = winner.json()["data"]["rejection_status"]
    new_etag = winner.headers["ETag"]
    for loser in responses:
        if loser.status_code == 412:
            assert loser.json() == precondition_failed(committed_row, new_etag)
    (change,) = changes(committed_row)
    assert (change.old_status, change.new_status) == ("unfiltered", won_status)
    stored = fetch_row(committed_row)
    assert stored["rejection_status"] == won_status
    assert change.changed_at == stored["updated_at"]


def race_without_if_match(operator, hash_value):
    key = token_issue(username=operator.username)
    targets = ["accepted", "rejected", "override", "unfiltered"] * 2
    responses = run_together(key, lambda client, i: patch(client, hash_value, targets[i]))
    return targets, responses


@RACES
@pytest.mark.django_db(transaction=True)
def test_eight_writers_without_if_match_all_succeed_in_one_serial_order(operator, committed_row):
    """Each change sees the one before it: the records form one chain, none lost."""
    targets, responses = race_without_if_match(operator, committed_row)

    assert [response.status_code for response in responses] == [200] * THREADS
    recorded = changes(committed_row)
    assert len(recorded) == THREADS
    assert sorted(change.new_status for change in recorded) == sorted(targets)
    assert recorded[0].old_status == "unfiltered"
    for previous, change in itertools.pairwise(recorded):
        assert change.old_status == previous.new_status
    stored = fetch_row(committed_row)
    last = recorded[-1]  # the greatest id: the last change committed
    assert stored["rejection_status"] == last.new_status
    assert stored["updated_at"] == last.changed_at


@RACES
@pytest.mark.django_db(transaction=True)
def test_history_after_concurrent_writers_lists_them_in_the_order_they_happened(
    operator, committed_row, api_client
):
    """Newest first means last committed first: the top entry is the row's current status.

    changed_at is the writer's transaction start (the trigger's now()), which
    concurrent writers do not reach in the order they commit.
    """
    race_without_if_match(operator, committed_row)

    history = api_client.get(f"/rear-diff/media/{committed_row}/history").json()["data"]

    committed_order = [change.id for change in reversed(changes(committed_row))]
    assert [entry["id"] for entry in history] == committed_order
    assert history[0]["new_status"] == fetch_row(committed_row)["rejection_status"]
