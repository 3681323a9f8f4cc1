"""Live changes: what committed to the served tables since a client last heard, per client.

One task per process and event loop (the Hub) reads the change log
(media.change_log) every POLL_SECONDS, in one query for all its clients, and
fans the result out. A position is the database snapshot a client has heard up
to: the changes after it are the log rows of the writers that snapshot did not
see and the one now does. That is exact whatever order transactions commit in,
and it resumes: a client that comes back with its position gets what it missed
while the log still holds it (CHANGE_LOG_KEEP_SECONDS), else a resync.

Each client may filter as the list does: the same FilterSet, compiled against
the log's row images and the rows as they are now (change_log.where_on_images),
so a change reaches it when its row matched before or after.
"""

import asyncio
import contextlib
import json
import logging
import re
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import psycopg
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection

from media import change_log

logger = logging.getLogger(__name__)

ACTIONS = ("created", "updated", "deleted")
# A client whose unread batches reach this many is too far behind: it gets a resync.
MAX_PENDING = 64
# How long the hub waits before reconnecting to a database that went away.
RECONNECT_SECONDS = 1.0
POSITION = re.compile(r"^(?P<epoch>[0-9]+)-(?P<snapshot>[0-9]+:[0-9]+:[0-9,]*)$")
# What a stream's queue holds to say "write a heartbeat" (media.api.views.events).
HEARTBEAT = object()
# Names of the poll query's own columns beside the table's (no table column starts so).
SIDE, POS, OP = "rear_diff_side", "rear_diff_pos", "rear_diff_op"


@dataclass(frozen=True)
class Position:
    """What a client has heard up to: the server's start (the log does not survive a
    crash, and a restart ends every position) and a snapshot. Sent as the SSE `id`."""

    epoch: str
    snapshot: str

    def __str__(self) -> str:
        return f"{self.epoch}-{self.snapshot}"

    @classmethod
    def parse(cls, text: str | None) -> "Position | None":
        """A position a client sent back (Last-Event-ID), or None when it is not one."""
        match = POSITION.match(text or "")
        if not match:
            return None
        xmin, xmax, running = match["snapshot"].split(":")
        running = [int(x) for x in running.split(",") if x]
        if not int(xmin) <= int(xmax) or not all(int(xmin) <= x < int(xmax) for x in running):
            return None
        return cls(match["epoch"], match["snapshot"])


@dataclass(frozen=True)
class Event:
    """One event for a client: `media` (an action and its rows), `resync`, or `position`
    (only an id: where a new client starts)."""

    kind: str
    data: dict | None = None
    id: str | None = None


@dataclass(eq=False)
class Stream:
    """One client: its filter (SQL on a row `m`), what it has heard, what waits for it."""

    condition: str
    position: Position | None = None
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)
    behind: bool = False

    def put(self, events: list[Event]) -> None:
        if self.behind:
            return
        if self.queue.qsize() >= MAX_PENDING:
            # Too far behind: what waits is dropped for one resync at the newest position.
            self.behind = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait([Event("resync", None, events[-1].id)])
            return
        self.queue.put_nowait(events)


def poll_sql(positions: list[str], conditions: list[str], training: bool) -> str:
    """The one query of a poll: the snapshot now, the server's start, whether the log is
    on, whether each of `positions` (snapshots) is still covered by the log, and per
    position each changed row's action for each filter (NULL: it matters not)."""
    n = change_log.names()
    # Literals inlined (positions are checked by Position.parse): no placeholders, so a
    # filter's own `%` (LIKE) passes as written.
    positions = "ARRAY[" + ", ".join(map(change_log.sql_literal, positions)) + "]"
    media = f"pg_catalog.to_regclass({change_log.sql_literal(n.media)})"
    images = " UNION ALL ".join(
        f"SELECT f.{POS}, '{side}' AS {SIDE}, f.op AS {OP}, r.* FROM fresh f, "
        f"json_populate_recordset(NULL::{n.media}, f.{side}_rows) r WHERE f.relid = {media}"
        for side in ("old", "new")
    )
    keys = f"SELECT DISTINCT i.{POS}, i.hash FROM images i"
    if training:
        # A training row's change changes the movies of its imdb id, as they are now.
        training_oid = f"pg_catalog.to_regclass({change_log.sql_literal(n.training)})"
        keys += (
            f" UNION SELECT f.{POS}, t.hash FROM fresh f "
            "CROSS JOIN LATERAL (SELECT e->>'imdb_id' AS imdb_id FROM json_array_elements("
            "coalesce(f.old_rows, '[]') ) e UNION SELECT e->>'imdb_id' FROM "
            "json_array_elements(coalesce(f.new_rows, '[]')) e) k "
            f"JOIN {n.media} t ON t.imdb_id = k.imdb_id WHERE f.relid = {training_oid}"
        )
    columns = ", ".join(
        f"CASE WHEN bool_or(m.{SIDE} = 'now' AND coalesce({c}, true)) THEN "
        f"CASE WHEN bool_or(m.{SIDE} = 'new' AND m.{OP} = 'I') OR (bool_or(m.{SIDE} <> 'now') "
        f"AND NOT coalesce(bool_or(m.{SIDE} = 'old' AND coalesce({c}, true)), false)) "
        "THEN 'created' ELSE 'updated' END "
        f"WHEN bool_or(m.{SIDE} = 'old' AND coalesce({c}, true)) THEN 'deleted' END"
        for c in conditions
    )
    return f"""
WITH positions AS (
    SELECT u.s::pg_snapshot AS snap, u.i AS {POS}
    FROM unnest({positions}::text[]) WITH ORDINALITY AS u(s, i)),
fresh AS (
    SELECT p.{POS}, l.relid, l.op, l.old_rows, l.new_rows
    FROM positions p JOIN {n.log} l
      ON l.xid >= pg_catalog.pg_snapshot_xmin(p.snap)
     AND NOT pg_catalog.pg_visible_in_snapshot(l.xid, p.snap)),
images AS ({images}),
keys AS ({keys}),
rows AS (
    SELECT * FROM images
    UNION ALL
    SELECT k.{POS}, 'now', NULL, t.* FROM keys k JOIN {n.media} t ON t.hash = k.hash),
changes AS (
    SELECT m.{POS} AS pos, m.hash, ARRAY[{columns}] AS actions
    FROM rows m GROUP BY m.{POS}, m.hash)
SELECT pg_catalog.pg_current_snapshot()::text,
       (extract(epoch FROM pg_catalog.pg_postmaster_start_time()) * 1000000)::bigint::text,
       (SELECT s.logged FROM {n.function("change_log_state")}() s),
       (SELECT coalesce(json_agg(p.{POS}), '[]') FROM positions p, {n.horizon} h
        WHERE h.horizon IS NOT NULL
          AND (pg_catalog.pg_snapshot_xmax(h.horizon) > pg_catalog.pg_snapshot_xmax(p.snap)
               OR EXISTS (SELECT 1 FROM pg_catalog.pg_snapshot_xip(p.snap) x
                          WHERE pg_catalog.pg_visible_in_snapshot(x, h.horizon)))),
       (SELECT coalesce(json_agg(DISTINCT f.{POS}), '[]') FROM fresh f
        WHERE f.op = 'T' OR (f.old_rows IS NULL AND f.new_rows IS NULL)),
       (SELECT coalesce(json_agg(json_build_array(c.pos, c.hash, c.actions)), '[]')
        FROM changes c)
"""


@dataclass(frozen=True)
class Poll:
    """What one poll read."""

    now: Position
    logged: bool
    uncovered: frozenset[int]  # positions (1-based) the log no longer holds
    unimaged: frozenset[int]  # positions after which a statement kept no rows
    changes: list[tuple[int, str, list[str | None]]]  # (position, hash, action per filter)


def read_poll(row) -> Poll:
    """A Poll from the poll query's one row (its JSON columns parsed or not by the driver)."""
    now, epoch, logged, uncovered, unimaged, changes = (
        json.loads(value) if index >= 3 and isinstance(value, str) else value
        for index, value in enumerate(row)
    )
    return Poll(
        Position(epoch, now), bool(logged), frozenset(uncovered), frozenset(unimaged), changes
    )


def batches(poll: Poll, streams: list[Stream], positions: list[str], conditions: list[str]):
    """Each stream's events for this poll, the last one carrying the new position."""
    by_stream: dict[Stream, list[Event]] = {}
    now = str(poll.now)
    for stream in streams:
        pos = positions.index(stream.position.snapshot) + 1
        if stream.position.epoch != poll.now.epoch or pos in poll.uncovered | poll.unimaged:
            by_stream[stream] = [Event("resync", None, now)]
            continue
        column = conditions.index(stream.condition)
        hashes: dict[str, list[str]] = defaultdict(list)
        for change_pos, hash_value, actions in poll.changes:
            if change_pos == pos and actions[column]:
                hashes[actions[column]].append(hash_value)
        events = [
            Event("media", {"action": action, "hashes": sorted(hashes[action])})
            for action in ACTIONS
            if hashes[action]
        ]
        if events:
            events[-1] = Event("media", events[-1].data, now)
            by_stream[stream] = events
    return by_stream


class Hub:
    """The poll of one event loop: one query per POLL_SECONDS for all its streams."""

    def __init__(self, params: dict, training: bool):
        self.params = params
        self.training = training
        self.streams: set[Stream] = set()
        self.task: asyncio.Task | None = None
        self.conn: psycopg.AsyncConnection | None = None
        self.wake = asyncio.Event()
        self.pruned_at = 0.0
        self.beat_at = time.monotonic()

    def add(self, stream: Stream) -> None:
        self.streams.add(stream)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self.run())
        self.wake.set()

    def remove(self, stream: Stream) -> None:
        self.streams.discard(stream)

    def beat(self) -> None:
        """Every EVENTS_HEARTBEAT_SECONDS, a heartbeat to every stream: one timer for all of
        them, not one each (a thousand idle streams cost 2 % of a core with one each)."""
        if time.monotonic() - self.beat_at < settings.EVENTS_HEARTBEAT_SECONDS:
            return
        self.beat_at = time.monotonic()
        for stream in list(self.streams):
            if stream.queue.qsize() < MAX_PENDING:
                stream.queue.put_nowait(HEARTBEAT)

    async def run(self) -> None:
        while self.streams:
            self.beat()
            try:
                await self.poll()
                if time.monotonic() - self.pruned_at >= settings.CHANGE_LOG_PRUNE_SECONDS:
                    # A thread hop only when a prune is due, not on every poll.
                    self.pruned_at = time.monotonic()
                    await sync_to_async(change_log.prune_now_and_then)()
            except psycopg.OperationalError as exc:
                # The database went away: streams stay open; the next poll tells
                # each one whether its position survived.
                logger.warning("Live changes: the poll failed (%s); reconnecting.", exc)
                await self.close()
                await asyncio.sleep(RECONNECT_SECONDS)
                continue
            except psycopg.Error as exc:
                # A migration moved what a filter names: every stream reconnects
                # and compiles its filter again.
                logger.warning("Live changes: the poll failed (%s); streams start over.", exc)
                await self.close()
                for stream in list(self.streams):
                    stream.queue.put_nowait(None)
                self.streams.clear()
                return
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), settings.EVENTS_POLL_SECONDS)
        await self.close()

    async def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(psycopg.Error):
                await self.conn.close()
            self.conn = None

    async def poll(self) -> None:
        if self.conn is None:
            self.conn = await psycopg.AsyncConnection.connect(**self.params, autocommit=True)
        streams = list(self.streams)
        # New streams with nothing to resume start at this poll's snapshot.
        new = [s for s in streams if s.position is None]
        known = [s for s in streams if s.position is not None]
        positions = sorted({s.position.snapshot for s in known})
        conditions = sorted({s.condition for s in streams})
        async with self.conn.cursor() as cursor:
            await cursor.execute(poll_sql(positions or ["1:1:"], conditions, self.training))
            poll = read_poll(await cursor.fetchone())
        for stream in new:
            stream.position = poll.now
            stream.queue.put_nowait([Event("position", None, str(poll.now))])
        if not poll.logged:
            for stream in streams:
                stream.queue.put_nowait([Event("resync", None, str(poll.now))])
                stream.queue.put_nowait(None)
            return
        waiting = [s for s in known if s.position != poll.now]
        for stream, events in batches(poll, waiting, positions, conditions).items():
            stream.put(events)
        for stream in waiting:
            stream.position = poll.now


_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}


def connection_params() -> dict:
    """Django's connection settings, for psycopg's async connection (the embedded server
    starts here when it has not yet)."""
    params = connection.get_connection_params()
    return {k: v for k, v in params.items() if k not in {"context", "cursor_factory"}}


@dataclass(frozen=True)
class Subscription:
    """What a request asked for, checked in the request's thread."""

    condition: str
    resume: Position | None
    logged: bool
    training: bool
    params: dict


def subscribe(queryset, last_event_id: str | None, layout) -> Subscription:
    """A client's filter (the list's queryset), where it resumes and whether the log is on."""
    logged = layout.change_log and change_log.status(layout)["mode"] == "log"
    return Subscription(
        condition=change_log.where_on_images(queryset),
        resume=Position.parse(last_event_id),
        logged=logged,
        training=layout.joins_training,
        params=connection_params(),
    )


async def events(subscription: Subscription) -> AsyncIterator[Event | None]:
    """A client's events; None every HEARTBEAT_SECONDS without one. Ends after a resync
    that the log cannot follow (the service runs without it)."""
    if not subscription.logged:
        yield Event("resync")
        return
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub(subscription.params, subscription.training)
    hub.training = hub.training or subscription.training
    stream = Stream(subscription.condition, subscription.resume)
    hub.add(stream)
    try:
        while True:
            batch = await stream.queue.get()
            if batch is HEARTBEAT:
                yield None
                continue
            if batch is None:
                return
            stream.behind = False
            for event in batch:
                yield event
    finally:
        hub.remove(stream)


def once(subscription: Subscription) -> list[Event]:
    """What a client that cannot be kept waiting gets (a WSGI server: each stream would hold a
    thread): what it missed since its position, or where it starts; it then reconnects."""
    if not subscription.logged:
        return [Event("resync")]
    stream = Stream(subscription.condition, subscription.resume)
    positions = [stream.position.snapshot] if stream.position else []
    with connection.cursor() as cursor:
        cursor.execute(poll_sql(positions or ["1:1:"], [stream.condition], subscription.training))
        poll = read_poll(cursor.fetchone())
    if not poll.logged:
        return [Event("resync")]
    if stream.position is not None:
        events = batches(poll, [stream], positions, [stream.condition]).get(stream)
        if events:
            return events
    return [Event("position", None, str(poll.now))]
