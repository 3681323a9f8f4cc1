"""Which committed transactions wrote the pipeline's tables, and what they changed.

The service keeps a small log in its own schema (DJANGO_SCHEMA): statement-level
triggers on `atp.media` (and `atp.training`, whose keys the list serves) write one
row per statement, with the writer's top-level transaction id and, for up to
CHANGE_LOG_IMAGE_ROWS rows, each changed row before and after, as JSON. A cached
answer read under snapshot S stays valid while no log row of a writer S did not
see could change it; that is decided in SQL (`change_log_check`), with the
list's own filter compiled against the logged rows. docs/operations.md ("The change
log") says what it costs and what bypasses it.

The trigger function names no column: it logs whole rows (`json_agg`), so the
pipeline may add and drop columns, and nothing depends on the tables' row types.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import Q, QuerySet

logger = logging.getLogger(__name__)

# One trigger per event, with the transition tables it needs (PostgreSQL allows
# them only on a trigger of one event).
TRANSITIONS = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
    "truncate": "",
}
# The advisory lock that lets one process prune at a time (any fixed number).
PRUNE_LOCK = 0x7265_6172_6469_6666  # "reardiff"


@dataclass(frozen=True)
class Names:
    """The quoted names of the log's objects and of the tables it watches."""

    schema: str
    log: str
    marks: str
    horizon: str
    media: str
    training: str
    trigger_prefix: str

    def function(self, name: str) -> str:
        return f"{self.schema}.{name}"

    def trigger(self, operation: str) -> str:
        return f"{self.trigger_prefix}{operation}"


def names(using: str = "default") -> Names:
    quote = connections[using].ops.quote_name
    schema, media_schema = quote(settings.DJANGO_SCHEMA), quote(settings.MEDIA_SCHEMA)
    return Names(
        schema=schema,
        log=f"{schema}.change_log",
        marks=f"{schema}.change_log_marks",
        horizon=f"{schema}.change_log_horizon",
        media=f"{media_schema}.media",
        training=f"{media_schema}.training",
        # Per service schema: two deployments on one database keep their own.
        trigger_prefix=f"{settings.DJANGO_SCHEMA}_change_log_",
    )


def tables_sql(n: Names) -> str:
    """The log and its horizon: ours, in DJANGO_SCHEMA (migration 0006).

    UNLOGGED: a writer pays no WAL for it. A crash empties it, and the state
    (change_log_state) names the server's start time, so every answer cached
    before a restart is read again.
    """
    return f"""
CREATE UNLOGGED TABLE IF NOT EXISTS {n.log} (
    xid xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
    relid oid NOT NULL,
    op "char" NOT NULL,
    logged_at timestamptz NOT NULL DEFAULT pg_catalog.statement_timestamp(),
    old_rows json,
    new_rows json
);
CREATE INDEX IF NOT EXISTS change_log_xid ON {n.log} (xid);
-- The pruner's marks: a snapshot every time it runs. It drops the log rows of
-- the writers a mark at least `keep` old saw, and that mark becomes the horizon:
-- an answer read under a snapshot that does not see all the horizon saw may
-- have needed one of the dropped rows, and is read again.
CREATE TABLE IF NOT EXISTS {n.marks} (
    taken_at timestamptz PRIMARY KEY DEFAULT pg_catalog.statement_timestamp(),
    snapshot pg_snapshot NOT NULL
);
CREATE TABLE IF NOT EXISTS {n.horizon} (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    horizon pg_snapshot
);
INSERT INTO {n.horizon} DEFAULT VALUES ON CONFLICT DO NOTHING;
"""


def functions_sql(n: Names) -> str:
    """The trigger function, the state, the check and the pruner (CREATE OR REPLACE)."""
    media, training = sql_literal(n.media), sql_literal(n.training)
    prefix = sql_literal(n.trigger_prefix.replace("_", r"\_") + "%")
    return f"""
-- The triggers' function. SECURITY DEFINER: the pipeline's role writes the log
-- without any grant on our schema. It names no column of the table it watches.
CREATE OR REPLACE FUNCTION {n.function("change_log_write")}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    most constant integer := {settings.CHANGE_LOG_IMAGE_ROWS};
    op constant "char" := left(TG_OP, 1);
    changed integer;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO {n.log} (relid, op) VALUES (TG_RELID, op);
        RETURN NULL;
    END IF;
    -- Counted up to one past `most`: a large statement costs no more to count.
    IF TG_OP = 'INSERT' THEN
        SELECT count(*) INTO changed FROM (SELECT FROM new_rows LIMIT most + 1) c;
    ELSE
        SELECT count(*) INTO changed FROM (SELECT FROM old_rows LIMIT most + 1) c;
    END IF;
    IF changed = 0 THEN
        RETURN NULL;
    ELSIF changed > most THEN
        INSERT INTO {n.log} (relid, op) VALUES (TG_RELID, op);
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO {n.log} (relid, op, new_rows)
        VALUES (TG_RELID, op, (SELECT json_agg(r) FROM new_rows r));
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO {n.log} (relid, op, old_rows, new_rows)
        VALUES (TG_RELID, op, (SELECT json_agg(r) FROM old_rows r),
                (SELECT json_agg(r) FROM new_rows r));
    ELSE
        INSERT INTO {n.log} (relid, op, old_rows)
        VALUES (TG_RELID, op, (SELECT json_agg(r) FROM old_rows r));
    END IF;
    RETURN NULL;
END $$;

-- What a cached answer's validity rests on besides the log: the server's start
-- (an unlogged table is emptied by a crash), the log's triggers and whether they
-- fire, and the catalogue: the tables' identities, their columns and the enum
-- labels (no trigger sees a migration; media.layout re-reads itself when it
-- changes). `logged`: every watched table has its four triggers firing.
DROP FUNCTION IF EXISTS {n.function("change_log_state")}();
CREATE FUNCTION {n.function("change_log_state")}(
    OUT state text, OUT logged boolean, OUT catalog text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    media regclass := pg_catalog.to_regclass({media});
    training regclass := pg_catalog.to_regclass({training});
    triggers text;
    firing_media integer;
    firing_training integer;
BEGIN
    SELECT pg_catalog.string_agg(t.tgrelid::text || ':' || t.oid::text || t.tgenabled::text,
                                 ',' ORDER BY t.tgrelid, t.tgname),
           count(*) FILTER (WHERE t.tgrelid = media AND t.tgenabled IN ('O', 'A')),
           count(*) FILTER (WHERE t.tgrelid = training AND t.tgenabled IN ('O', 'A'))
    INTO triggers, firing_media, firing_training
    FROM pg_catalog.pg_trigger t
    WHERE t.tgrelid IN (media, training) AND t.tgname LIKE {prefix};
    catalog := concat_ws('|', media::oid, training::oid,
        (SELECT max(a.xmin::text::bigint) || '/' || count(*) FROM pg_catalog.pg_attribute a
         WHERE a.attrelid IN (media, training) AND a.attnum > 0),
        (SELECT max(e.xmin::text::bigint) || '/' || count(*) FROM pg_catalog.pg_enum e));
    state := concat_ws('|', pg_catalog.pg_postmaster_start_time(), triggers, catalog);
    logged := media IS NOT NULL AND firing_media = 4
              AND (training IS NULL OR firing_training = 4);
END $$;

-- Whether an answer read under `since` with state `expected` is still what a
-- read now would return, and the snapshot that is now. STABLE: every query in
-- it, `affects` included, reads under the caller's one snapshot. `affects` is a
-- condition on a log row `l` (media.change_log builds it); it runs only when
-- some writer `since` did not see has committed.
CREATE OR REPLACE FUNCTION {n.function("change_log_check")}(
    since pg_snapshot, expected text, affects text, OUT now_snapshot text, OUT valid boolean)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    current_state text;
    logged boolean;
    horizon pg_snapshot;
    affected boolean := false;
BEGIN
    now_snapshot := pg_catalog.pg_current_snapshot()::text;
    SELECT s.state, s.logged INTO current_state, logged FROM {n.function("change_log_state")}() s;
    SELECT h.horizon INTO horizon FROM {n.horizon} h;
    -- `since` must see every writer the horizon saw: their rows may be pruned.
    IF current_state IS DISTINCT FROM expected OR NOT logged
       OR (horizon IS NOT NULL
           AND (pg_catalog.pg_snapshot_xmax(horizon) > pg_catalog.pg_snapshot_xmax(since)
                OR EXISTS (SELECT 1 FROM pg_catalog.pg_snapshot_xip(since) x
                           WHERE pg_catalog.pg_visible_in_snapshot(x, horizon)))) THEN
        valid := false;
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM {n.log} l
               WHERE l.xid >= pg_catalog.pg_snapshot_xmin(since)
                 AND NOT pg_catalog.pg_visible_in_snapshot(l.xid, since)) THEN
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM {n.log} l '
                'WHERE l.xid >= pg_catalog.pg_snapshot_xmin($1) '
                'AND NOT pg_catalog.pg_visible_in_snapshot(l.xid, $1) AND (' || affects || '))'
        INTO affected USING since;
    END IF;
    valid := NOT affected;
END $$;

-- Mark the snapshot now; drop the log rows of the writers that the newest mark
-- at least `keep` old saw, which becomes the horizon. One pruner at a time.
CREATE OR REPLACE FUNCTION {n.function("change_log_prune")}(keep interval) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    mark_at timestamptz;
    mark pg_snapshot;
    pruned bigint;
BEGIN
    IF NOT pg_catalog.pg_try_advisory_xact_lock({PRUNE_LOCK}) THEN
        RETURN 0;
    END IF;
    INSERT INTO {n.marks} (snapshot) VALUES (pg_catalog.pg_current_snapshot())
    ON CONFLICT DO NOTHING;
    SELECT m.taken_at, m.snapshot INTO mark_at, mark FROM {n.marks} m
    WHERE m.taken_at <= pg_catalog.statement_timestamp() - keep
    ORDER BY m.taken_at DESC LIMIT 1;
    IF mark IS NULL THEN
        RETURN 0;
    END IF;
    DELETE FROM {n.marks} WHERE taken_at < mark_at;
    WITH gone AS (
        DELETE FROM {n.log}
        WHERE xid < pg_catalog.pg_snapshot_xmax(mark)
          AND pg_catalog.pg_visible_in_snapshot(xid, mark)
        RETURNING 1)
    SELECT count(*) INTO pruned FROM gone;
    IF pruned > 0 THEN
        UPDATE {n.horizon} SET horizon = mark;
    END IF;
    RETURN pruned;
END $$;
"""


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_log_objects(using: str = "default") -> None:
    """The log's tables and functions (migration 0006; `media_change_log install` again)."""
    n = names(using)
    with connections[using].cursor() as cursor:
        cursor.execute(tables_sql(n))
        cursor.execute(functions_sql(n))


def drop_log_objects(using: str = "default") -> None:
    """Undo create_log_objects: the functions (and the triggers calling one) and the tables."""
    n = names(using)
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"DROP FUNCTION IF EXISTS {n.function('change_log_write')}() CASCADE; "
            f"DROP FUNCTION IF EXISTS {n.function('change_log_check')}(pg_snapshot, text, text); "
            f"DROP FUNCTION IF EXISTS {n.function('change_log_state')}(); "
            f"DROP FUNCTION IF EXISTS {n.function('change_log_prune')}(interval); "
            f"DROP TABLE IF EXISTS {n.log}, {n.marks}, {n.horizon}"
        )


@dataclass(frozen=True)
class Installed:
    """What `install` found and did, per watched table."""

    created: tuple[str, ...] = ()  # triggers made now
    present: tuple[str, ...] = ()  # triggers that were there
    refused: tuple[str, ...] = ()  # tables whose TRIGGER privilege the role lacks

    @property
    def complete(self) -> bool:
        return not self.refused


def install(*, using: str = "default", lock_timeout: str = "2s") -> Installed:
    """Create the log's objects and, on each watched table that exists, its four triggers.

    CREATE TRIGGER takes a SHARE ROW EXCLUSIVE lock, which waits for the
    pipeline's writers; lock_timeout bounds that wait (the install then fails
    and may be run again). A table whose TRIGGER privilege the role lacks is
    named, not an error: the service then validates by snapshot.
    """
    n = names(using)
    conn = connections[using]
    created, present, refused = [], [], []
    with transaction.atomic(using=using), conn.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [lock_timeout])
        cursor.execute(tables_sql(n))
        cursor.execute(functions_sql(n))
        for table in (n.media, n.training):
            cursor.execute(
                "SELECT c.oid, has_table_privilege(c.oid, 'TRIGGER'), "
                "ARRAY(SELECT tgname::text FROM pg_trigger WHERE tgrelid = c.oid) "
                "FROM (SELECT to_regclass(%s) AS oid) c WHERE c.oid IS NOT NULL",
                [table],
            )
            found = cursor.fetchone()
            if found is None:
                continue
            _oid, allowed, existing = found
            for operation in TRANSITIONS:
                trigger = n.trigger(operation)
                if trigger in existing:
                    present.append(f"{table} {trigger}")
                    continue
                if not allowed:
                    refused.append(table)
                    break
                cursor.execute(
                    f"CREATE TRIGGER {trigger} AFTER {operation.upper()} ON {table} "
                    f"{TRANSITIONS[operation]} FOR EACH STATEMENT "
                    f"EXECUTE FUNCTION {n.function('change_log_write')}()"
                )
                created.append(f"{table} {trigger}")
    return Installed(tuple(created), tuple(present), tuple(dict.fromkeys(refused)))


# The read side ---------------------------------------------------------------


@dataclass(frozen=True)
class Validity:
    """What a read's answer rests on: the snapshot it was read under and, when the log is
    on, the log's state then and the SQL condition on a log row that would change it."""

    snapshot: str
    state: str = ""
    affects: str = ""  # empty: validated by the whole snapshot

    @property
    def logged(self) -> bool:
        return bool(self.affects)

    def advanced(self, snapshot: str) -> "Validity":
        """Still valid as of `snapshot`: later checks need only look at writers since."""
        return Validity(snapshot, self.state, self.affects)


@dataclass(frozen=True)
class Reading:
    """What a read transaction starts with: its snapshot and the log's state."""

    snapshot: str
    state: str
    logged: bool
    catalog: str = ""

    def validity(self, affects: Callable[[], str]) -> Validity:
        """Validated by the log when it is on (`affects()` builds the condition), else by
        the whole snapshot."""
        if not self.logged or not settings.CHANGE_LOG_ENABLED:
            return Validity(self.snapshot)
        return Validity(self.snapshot, self.state, affects())


_explained = False


def explain_once(reading: Reading) -> None:
    """Say once per process, in the log, how validation runs when it is not by the log."""
    global _explained
    if _explained or reading.logged or not settings.CHANGE_LOG_ENABLED:
        return
    _explained = True
    logger.warning(
        "The change log is not installed on %s (or a trigger of it is disabled): cached "
        "reads are validated by the whole database snapshot, so any commit on the server "
        "makes them read again. To enable it, grant the service's role TRIGGER on the "
        "pipeline's tables and run `manage.py media_change_log install` (docs/operations.md).",
        names().media,
    )


def status(layout) -> dict:
    """Which validation is in force now, and why: for GET /media/table and readiness."""
    logged = False
    if layout.change_log:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT s.logged FROM {names().function('change_log_state')}() s")
            logged = cursor.fetchone()[0]
    if not settings.CHANGE_LOG_ENABLED:
        mode, detail = "snapshot", "CHANGE_LOG is off: cached reads are validated by snapshot."
    elif logged:
        mode, detail = "log", "Cached reads are validated by the change log."
    elif not layout.change_log:
        mode, detail = (
            "snapshot",
            "The service's migrations have not made the change log yet: cached reads are "
            "validated by the whole database snapshot. Run `manage.py migrate`.",
        )
    else:
        mode, detail = (
            "snapshot",
            "The change log's triggers are missing or disabled: cached reads are validated "
            "by the whole database snapshot. Grant TRIGGER on the pipeline's tables and run "
            "`manage.py media_change_log install`.",
        )
    return {"mode": mode, "detail": detail}


def reading_sql() -> str:
    return (
        f"SELECT pg_current_snapshot()::text, s.state, s.logged, s.catalog "
        f"FROM {names().function('change_log_state')}() s"
    )


def still_valid(validity: Validity) -> tuple[bool, str]:
    """(whether an answer read under `validity` would read the same now, the snapshot now).

    One round trip either way: without the log, whether the cluster's snapshot
    moved at all; with it, whether a writer since changed what the answer read.
    """
    with connection.cursor() as cursor:
        if not validity.logged:
            cursor.execute("SELECT pg_current_snapshot()::text")
            now = cursor.fetchone()[0]
            return now == validity.snapshot, now
        cursor.execute(
            f"SELECT now_snapshot, valid FROM {names().function('change_log_check')}"
            "(%s::pg_snapshot, %s, %s)",
            [validity.snapshot, validity.state, validity.affects],
        )
        now, valid = cursor.fetchone()
        return valid, now


# What changes an answer ------------------------------------------------------
#
# Each builder returns a condition on a log row `l`, as SQL with its literals
# inlined (psycopg quotes them), stored with the answer. A log row of a
# statement whose rows were not kept (too many, TRUNCATE) affects every answer
# of its table.

IMAGE_ALIAS = "m"


def _sql(sql: str, params) -> str:
    return connection.ops.compose_sql(sql, params)


def where_on_images(queryset: QuerySet) -> str:
    """The queryset's WHERE, on the rows a log row carries (alias `m`), literals inlined.

    The same filter code the list runs (its FilterSet's queryset), relabelled
    from the table to the log's rows; `true` when it filters nothing.
    """
    from django.core.exceptions import EmptyResultSet, FullResultSet

    query = queryset.query.clone()
    query.change_aliases({query.get_initial_alias(): IMAGE_ALIAS})
    compiler = query.get_compiler(connection=connection)
    try:
        sql, params = compiler.compile(query.where)
    except FullResultSet:
        return "true"
    except EmptyResultSet:
        return "false"
    return _sql(sql, params)


def _images(table: str, side: str) -> str:
    return f"json_populate_recordset(NULL::{table}, l.{side}_rows) {IMAGE_ALIAS}"


def _all_rows(relid: str) -> str:
    """A statement on `relid` that kept no rows: it may have touched any."""
    return f"(l.relid = {relid} AND (l.op = 'T' OR (l.old_rows IS NULL AND l.new_rows IS NULL)))"


def _regclass(table: str) -> str:
    return f"{sql_literal(table)}::regclass"


def rows_affect(matches: str, position: str, settled: str) -> str:
    """On the media table: some changed row matters to the answer.

    For each row a statement changed (grouped by hash, before and after): it
    matters unless it matched `matches` neither before nor after, or it matched
    both times with one and the same `position`, which `settled` accepts (a
    page: before it, or after it, in the sort order). A condition that cannot be
    decided (a NULL) counts as a match.
    """
    n = names()
    media = _regclass(n.media)
    images = " UNION ALL ".join(
        f"SELECT '{side}' AS side, {IMAGE_ALIAS}.hash, coalesce({matches}, true) AS hit, "
        f"{position} AS position FROM {_images(n.media, side)}"
        for side in ("old", "new")
    )
    return (
        f"{_all_rows(media)} OR (l.relid = {media} AND EXISTS ("
        f"SELECT 1 FROM ({images}) i GROUP BY i.hash "
        "HAVING bool_or(i.hit) AND NOT (bool_and(i.hit) AND count(DISTINCT i.side) = 2 "
        f"AND count(DISTINCT i.position) = 1 AND {settled})))"
    )


def training_affects(imdb_ids) -> str:
    """On atp.training: a changed row of one of these imdb ids."""
    wanted = sorted({value for value in imdb_ids if value})
    n = names()
    if not wanted:
        return "false"
    training = _regclass(n.training)
    keys = " OR ".join(
        _sql(
            f"EXISTS (SELECT 1 FROM json_array_elements(l.{side}_rows) e "
            "WHERE e->>'imdb_id' = ANY(%s))",
            [wanted],
        )
        for side in ("old", "new")
    )
    return f"({_all_rows(training)} OR (l.relid = {training} AND ({keys})))"


def item_affects(hash_value: str, imdb_id: str | None, joins_training: bool) -> str:
    """One row: any statement that changed that hash (or its training row)."""
    n = names()
    media = _regclass(n.media)
    keys = " OR ".join(
        _sql(
            f"EXISTS (SELECT 1 FROM json_array_elements(l.{side}_rows) e WHERE e->>'hash' = %s)",
            [hash_value],
        )
        for side in ("old", "new")
    )
    condition = f"{_all_rows(media)} OR (l.relid = {media} AND ({keys}))"
    if joins_training:
        condition += " OR " + training_affects([imdb_id])
    return condition


def page_affects(
    queryset: QuerySet, *, sort: str, descending: bool, first: dict | None, last: dict | None
) -> str:
    """A page of a sorted, filtered list: its rows, their order and the total.

    `first` and `last` are the page's first and last rows (their sort value and
    hash). A row that matches both before and after a change and stays before
    the first row or after the last one leaves the page and its total as they
    were: an update to an old row leaves the first page of "newest first" valid.
    """
    before, after = (
        _beyond(sort, descending, first, "before"),
        _beyond(sort, descending, last, "after"),
    )
    position = (
        f"CASE WHEN ({before}) IS TRUE THEN 'before' WHEN ({after}) IS TRUE THEN 'after' "
        "ELSE 'on' END"
    )
    return rows_affect(where_on_images(queryset), position, "min(i.position) <> 'on'")


def _beyond(sort: str, descending: bool, row: dict | None, side: str) -> str:
    """An image sorts before the page's first row, or after its last (ties broken by hash)."""
    if row is None or row.get(sort) is None:
        return "false"
    # Ascending, "before" is smaller; descending, larger; "after" the other way.
    lookup = "lt" if (side == "before") != descending else "gt"
    value, hash_value = row[sort], row["hash"]
    from media.models import Media

    condition = Q(**{f"{sort}__{lookup}": value}) | Q(
        **{sort: value, f"hash__{lookup}": hash_value}
    )
    return where_on_images(Media.objects.filter(condition))


def facets_affects(queryset: QuerySet, columns) -> str:
    """Counts per value of `columns` over the filtered rows: a change in or out of the
    filter, or of a counted column's value."""
    counted = ", ".join(f"{IMAGE_ALIAS}.{connection.ops.quote_name(c)}::text" for c in columns)
    position = f"concat_ws(',', {counted})" if columns else "''"
    return rows_affect(where_on_images(queryset), position, "true")


# Keeping the log small --------------------------------------------------------

_pruned_at = 0.0
_prune_lock = threading.Lock()


def prune(*, keep_seconds: float | None = None) -> int:
    """Drop the log rows no cached answer needs any more; how many."""
    keep = settings.CHANGE_LOG_KEEP_SECONDS if keep_seconds is None else keep_seconds
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {names().function('change_log_prune')}(make_interval(secs => %s))", [keep]
        )
        return cursor.fetchone()[0]


def prune_now_and_then() -> None:
    """Prune at most every CHANGE_LOG_PRUNE_SECONDS in this process (the first call prunes)."""
    global _pruned_at
    if time.monotonic() - _pruned_at < settings.CHANGE_LOG_PRUNE_SECONDS:
        return
    with _prune_lock:
        if time.monotonic() - _pruned_at < settings.CHANGE_LOG_PRUNE_SECONDS:
            return
        _pruned_at = time.monotonic()
    if connection.in_atomic_block:
        return
    try:
        prune()
    except DatabaseError as exc:
        logger.warning("Pruning the change log failed (%s); the next interval retries.", exc)
