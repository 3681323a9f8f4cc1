"""media.live's own rules: positions, a poll's events per client, a client that falls behind.

The stream end to end, on every generation, is tests/deploy/test_live_events.py.
"""

import asyncio

import pytest

from media.live import MAX_PENDING, Event, Poll, Position, Stream, batches

NOW = Position("100", "20:25:22")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("100-20:25:22", Position("100", "20:25:22")),
        ("100-20:20:", Position("100", "20:20:")),
        ("100-20:25:21,24", Position("100", "20:25:21,24")),
    ],
)
def test_a_position_a_client_sends_back_is_read(text, expected):
    assert Position.parse(text) == expected
    assert str(expected) == text


@pytest.mark.parametrize(
    "text",
    [None, "", "garbage", "100-20:25", "x-20:25:", "100-25:20:", "100-20:25:19", "100-20:25:25"],
)
def test_anything_else_is_no_position(text):
    assert Position.parse(text) is None


def poll(*changes, uncovered=(), unimaged=(), epoch="100"):
    return Poll(
        Position(epoch, NOW.snapshot),
        True,
        frozenset(uncovered),
        frozenset(unimaged),
        list(changes),
    )


def stream(condition="all", snapshot="10:12:"):
    return Stream(condition, Position("100", snapshot))


def test_a_poll_gives_each_client_one_event_per_action_the_last_with_the_new_position():
    client = stream()
    changes = [(1, "b", ["updated"]), (1, "a", ["updated"]), (1, "c", ["created"])]
    events = batches(poll(*changes), [client], ["10:12:"], ["all"])[client]
    assert events == [
        Event("media", {"action": "created", "hashes": ["c"]}),
        Event("media", {"action": "updated", "hashes": ["a", "b"]}, str(NOW)),
    ]


def test_each_client_gets_the_actions_of_its_own_filter_and_position():
    movies, everything, behind = stream("movies"), stream("all"), stream("all", "5:6:")
    # Each change's actions follow the conditions' order: "all", then "movies".
    changes = [
        (2, "a", ["deleted", "updated"]),
        (2, "b", [None, "updated"]),
        (1, "c", ["created", None]),
    ]
    found = batches(
        poll(*changes), [movies, everything, behind], ["5:6:", "10:12:"], ["all", "movies"]
    )
    assert found[everything] == [Event("media", {"action": "deleted", "hashes": ["a"]}, str(NOW))]
    assert found[movies] == [Event("media", {"action": "updated", "hashes": ["a", "b"]}, str(NOW))]
    assert found[behind] == [Event("media", {"action": "created", "hashes": ["c"]}, str(NOW))]


def test_a_client_with_nothing_that_matters_gets_nothing():
    client = stream("movies")
    assert batches(poll((1, "a", ["updated", None])), [client], ["10:12:"], ["all", "movies"]) == {}


@pytest.mark.parametrize(
    "kind",
    ["another server start", "a position the log no longer holds", "a statement with no rows kept"],
)
def test_what_cannot_be_told_is_a_resync(kind):
    client = stream()
    found = {
        "another server start": poll(epoch="200"),
        "a position the log no longer holds": poll(uncovered=[1]),
        "a statement with no rows kept": poll(unimaged=[1]),
    }[kind]
    events = batches(found, [client], ["10:12:"], ["all"])[client]
    assert events == [Event("resync", None, str(found.now))]


def test_a_client_too_far_behind_gets_one_resync_instead_of_what_waits():
    client = stream()
    for n in range(MAX_PENDING):
        client.put([Event("media", {"action": "updated", "hashes": [str(n)]}, f"100-{n}:{n}:")])
    client.put([Event("media", {"action": "updated", "hashes": ["late"]}, "100-99:99:")])
    client.put([Event("media", {"action": "updated", "hashes": ["later"]}, "100-98:99:")])
    assert client.behind
    assert client.queue.qsize() == 1
    assert asyncio.run(_first(client.queue)) == [Event("resync", None, "100-99:99:")]


async def _first(queue):
    return await queue.get()
