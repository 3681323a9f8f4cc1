"""GET /rear-diff/media/events on the production server, on every generation.

The server serves a database of its own, migrated (the change log installed),
and the changes are committed as the pipeline commits them: in SQL, on another
connection. Each test reads the stream as a browser's EventSource would
(tests.support.events).
"""

import re
import time

import pytest
from django.conf import settings

from tests.spec import GENERATIONS_UNDER_TEST
from tests.support.database import connect, scratch_database, server_environment
from tests.support.events import EventStream
from tests.support.server import ProductionServer, run_python

TABLE = f'"{settings.MEDIA_SCHEMA}".media'
EVENTS = "/rear-diff/media/events"
ORIGIN = "http://localhost:5173"


@pytest.fixture(scope="module", params=GENERATIONS_UNDER_TEST)
def live(request, django_db_setup, tmp_path_factory):
    """(database, server): the service on a generation's table of 40 rows, with the log."""
    generation = request.param
    with scratch_database(f"live_{generation}", generation=generation) as name:
        environment = server_environment(
            PGSQL_NAME=name,
            THROTTLE_ANON_RATE="",
            CORS_ALLOWED_ORIGINS=ORIGIN,
            EVENTS_HEARTBEAT_SECONDS="1",
        )
        made = run_python(
            ["manage.py", "media_generate", "--rows", "40", "--allow-external"], environment
        )
        assert made.returncode == 0, made.stderr
        installed = run_python(["manage.py", "migrate_locked", "--no-input"], environment)
        assert "Installed the change log" in installed.stdout, installed.stderr
        log = tmp_path_factory.mktemp("live") / "server.log"
        with ProductionServer(environment, log=log) as server:
            server.generation = generation
            yield name, server


def sql(name: str, *statements: str) -> list:
    """Run `statements` in one transaction on the service's database; the last one's rows."""
    with connect(name) as conn, conn.transaction():
        for statement in statements:
            cursor = conn.execute(statement)
        return cursor.fetchall() if cursor.description else []


def hashes(name: str, where: str = "true", n: int = 1) -> list[str]:
    deleted = "deleted_at IS NULL AND " if has_soft_delete(name) else ""
    rows = sql(name, f"SELECT hash FROM {TABLE} WHERE {deleted}{where} ORDER BY hash LIMIT {n}")
    return [row[0] for row in rows]


def has_soft_delete(name: str) -> bool:
    return bool(
        sql(
            name,
            "SELECT 1 FROM information_schema.columns WHERE table_schema = "
            f"'{settings.MEDIA_SCHEMA}' AND table_name = 'media' AND column_name = 'deleted_at'",
        )
    )


def touch(name: str, hash_value: str) -> None:
    sql(name, f"UPDATE {TABLE} SET media_title = media_title || '.' WHERE hash = '{hash_value}'")


def opened(server, query: str = "", **headers) -> EventStream:
    stream = EventStream(server.url(EVENTS + query), headers=headers)
    assert stream.status == 200, stream.body()
    assert stream.header("Content-Type") == "text/event-stream"
    assert stream.ready() is not None
    return stream


def changed(stream: EventStream, seconds: float = 3) -> dict[str, set[str]]:
    """The rows each action named within `seconds`."""
    found: dict[str, set[str]] = {}
    for event in stream.events(seconds):
        assert event.kind == "media", event
        found.setdefault(event.data["action"], set()).update(event.data["hashes"])
    return found


def test_each_commit_reaches_the_client_with_its_action(live):
    name, server = live
    (row,) = hashes(name)
    copy = "f" * 40
    with opened(server) as stream:
        touch(name, row)
        assert changed(stream) == {"updated": {row}}
        sql(
            name,
            f"CREATE TEMP TABLE copied AS SELECT * FROM {TABLE} WHERE hash = '{row}'",
            f"UPDATE copied SET hash = '{copy}'",
            f"INSERT INTO {TABLE} SELECT * FROM copied",
        )
        assert changed(stream) == {"created": {copy}}
        sql(name, f"DELETE FROM {TABLE} WHERE hash = '{copy}'")
        assert changed(stream) == {"deleted": {copy}}


def test_an_aborted_change_sends_nothing(live):
    name, server = live
    (row,) = hashes(name)
    with opened(server) as stream, connect(name) as conn:
        conn.execute("BEGIN")
        conn.execute(f"UPDATE {TABLE} SET media_title = 'never' WHERE hash = '{row}'")
        conn.execute("ROLLBACK")
        assert changed(stream, 1.5) == {}


def test_a_soft_delete_is_deleted_and_shown_to_a_client_that_includes_them(live):
    name, server = live
    if not has_soft_delete(name):
        pytest.skip("G0 has no soft delete")
    (row,) = hashes(name)
    with opened(server) as stream, opened(server, "?include_deleted=true") as everything:
        sql(name, f"UPDATE {TABLE} SET deleted_at = now() WHERE hash = '{row}'")
        assert changed(stream) == {"deleted": {row}}
        assert changed(everything) == {"updated": {row}}
        sql(name, f"UPDATE {TABLE} SET deleted_at = NULL WHERE hash = '{row}'")
        assert changed(stream) == {"created": {row}}


def test_commits_within_a_poll_come_as_one_event_per_action(live):
    name, server = live
    rows = hashes(name, n=6)
    with opened(server) as stream:
        with connect(name) as conn:
            for row in rows:  # six commits, back to back
                conn.execute(f"UPDATE {TABLE} SET media_title = media_title WHERE hash = '{row}'")
        events = stream.events(2)
    assert {e.data["action"] for e in events} == {"updated"}
    assert set().union(*(e.data["hashes"] for e in events)) == set(rows)
    assert len(events) < len(rows)


def test_a_filtered_client_hears_of_rows_that_match_before_or_after(live):
    name, server = live
    movie, other = hashes(name, "media_type = 'movie'")[0], hashes(name, "media_type <> 'movie'")[0]
    with opened(server, "?media_type=movie") as movies:
        touch(name, other)
        touch(name, movie)
        assert changed(movies) == {"updated": {movie}}
        sql(name, f"UPDATE {TABLE} SET media_type = 'tv_show' WHERE hash = '{movie}'")
        assert changed(movies) == {"deleted": {movie}}
        sql(name, f"UPDATE {TABLE} SET media_type = 'movie' WHERE hash = '{other}'")
        assert changed(movies) == {"created": {other}}


def test_a_training_change_updates_its_movies(live):
    name, server = live
    if server.generation != "g2":
        pytest.skip("atp.training is G2's")
    training = f'"{settings.MEDIA_SCHEMA}".training'
    rows = sql(
        name,
        f"SELECT t.imdb_id, m.hash FROM {training} t JOIN {TABLE} m USING (imdb_id) "
        "WHERE m.deleted_at IS NULL LIMIT 1",
    )
    if not rows:
        pytest.skip("no movie of the generated table has a training row")
    ((imdb_id, movie),) = rows
    with opened(server) as stream:
        sql(name, f"UPDATE {training} SET rt_score = 7 WHERE imdb_id = '{imdb_id}'")
        assert movie in changed(stream).get("updated", set())


def test_a_client_resumes_from_the_last_id_it_received(live):
    name, server = live
    first, second = hashes(name, n=2)
    with opened(server) as stream:
        touch(name, first)
        assert changed(stream) == {"updated": {first}}
        resume_at = stream.last_id
    touch(name, second)  # while no client is connected
    with EventStream(server.url(EVENTS), headers={"Last-Event-ID": resume_at}) as again:
        event = again.wait_for("media")
        assert event.data == {"action": "updated", "hashes": [second]}


def test_a_position_the_log_no_longer_holds_is_a_resync(live):
    name, server = live
    with opened(server) as stream:
        position = stream.last_id
    _epoch, snapshot = position.split("-", 1)
    with EventStream(server.url(EVENTS), headers={"Last-Event-ID": f"1-{snapshot}"}) as other:
        assert other.wait_for("resync") is not None  # another server start
    (row,) = hashes(name)
    touch(name, row)
    # The pruner keeps nothing: the position's changes are gone from the log.
    prune = f"SELECT {settings.DJANGO_SCHEMA}.change_log_prune('0 seconds')"
    sql(name, prune)
    time.sleep(0.05)
    sql(name, prune)
    with EventStream(server.url(EVENTS), headers={"Last-Event-ID": position}) as late:
        resync = late.wait_for("resync")
        assert resync is not None and resync.data == {}
        assert re.fullmatch(r"[0-9]+-[0-9]+:[0-9]+:[0-9,]*", resync.id)


def test_an_idle_stream_gets_a_heartbeat(live):
    _, server = live
    with opened(server) as stream:
        message = stream.next(3)
        assert message is not None and message.comment


def test_a_bad_filter_is_refused_as_the_list_refuses_it(live):
    _, server = live
    with EventStream(server.url(EVENTS + "?media_type=film")) as stream:
        assert stream.status == 400
        assert stream.header("Content-Type").startswith("application/json")
        assert b"media_type" in stream.body()


def test_the_vite_origin_may_listen(live):
    _, server = live
    with EventStream(server.url(EVENTS), headers={"Origin": ORIGIN}) as stream:
        assert stream.status == 200
        assert stream.header("Access-Control-Allow-Origin") == ORIGIN


@pytest.fixture(scope="module")
def guarded(django_db_setup, tmp_path_factory):
    """(server, token): the service with READ_AUTH_REQUIRED and CHANGE_LOG off, on G2."""
    with scratch_database("live_guarded", generation="g2") as name:
        environment = server_environment(
            PGSQL_NAME=name, THROTTLE_ANON_RATE="", READ_AUTH_REQUIRED="true", CHANGE_LOG="false"
        )
        for command in (["migrate_locked", "--no-input"], ["media_operator", "create", "ada"]):
            done = run_python(["manage.py", *command], environment)
            assert done.returncode == 0, done.stderr
        token = re.search(r"Token: (\S+)", done.stdout)[1]
        log = tmp_path_factory.mktemp("guarded") / "server.log"
        with ProductionServer(environment, log=log) as server:
            yield server, token


def test_reading_the_stream_needs_what_reading_the_list_needs(guarded):
    server, token = guarded
    with EventStream(server.url(EVENTS)) as anonymous:
        assert anonymous.status == 401
        assert anonymous.header("Content-Type").startswith("application/json")
    with EventStream(server.url(EVENTS), headers={"Authorization": f"Token {token}"}) as stream:
        assert stream.status == 200


def test_without_the_log_a_client_gets_one_resync_and_waits_long(guarded):
    server, token = guarded
    with EventStream(server.url(EVENTS), headers={"Authorization": f"Token {token}"}) as stream:
        retry = stream.next()
        assert retry.retry == 30000
        assert stream.wait_for("resync") is not None
        assert stream.next(1) is None  # the stream has ended
