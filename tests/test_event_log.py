"""The Dagster event log `portal` configures (pipelines/event_log.py): what the Dagster UI shows of a build,
and the private parts of Dagster it relies on, so that a Dagster upgrade that changes them fails here."""

from __future__ import annotations

import inspect
import logging
import textwrap
import time
import uuid

import sqlalchemy
from dagster import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from pipelines.event_log import KeptConnectionSqliteEventLogStorage

#: Dagster's SqliteEventLogStorage._connect (1.13.27), which KeptConnectionSqliteEventLogStorage._connect
#: copies but for where the engine comes from. If Dagster's changes, read the new one and bring ours in step.
DAGSTER_CONNECT = """\
@contextmanager
def _connect(self, shard: str) -> Iterator[Connection]:
    with self._db_lock:
        check.str_param(shard, "shard")

        conn_string = self.conn_string_for_shard(shard)
        engine = create_engine(
            conn_string,
            poolclass=NullPool,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
        )

        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)

        with engine.connect() as conn:
            with conn.begin():
                yield conn
        engine.dispose()
"""


def _message(run_id: str, text: str) -> EventLogEntry:
    return EventLogEntry(error_info=None, level=logging.INFO, user_message=text, run_id=run_id,
                         timestamp=time.time())


def test_the_ui_watching_a_running_build_sees_each_event_as_it_is_written(tmp_path):
    # the build's process writes; the UI's process (its own storage on the same files) watches the run
    build = KeptConnectionSqliteEventLogStorage(str(tmp_path))
    ui = KeptConnectionSqliteEventLogStorage(str(tmp_path))
    run_id = str(uuid.uuid4())
    build.store_event(_message(run_id, "step 1 started"))
    seen: list[str] = []
    ui.watch(run_id, None, lambda entry, cursor: seen.append(entry.user_message))
    try:
        for step in (2, 3, 4):
            build.store_event(_message(run_id, f"step {step} started"))
            deadline = time.monotonic() + 10
            while f"step {step} started" not in seen and time.monotonic() < deadline:
                time.sleep(0.05)
            assert f"step {step} started" in seen, f"the UI stopped following the run after {seen}"
        assert [r.event_log_entry.user_message for r in ui.get_records_for_run(run_id).records] == [
            f"step {step} started" for step in (1, 2, 3, 4)]
    finally:
        ui.dispose()
        build.dispose()


def test_dagster_connects_as_when_the_kept_connections_were_written():
    assert textwrap.dedent(inspect.getsource(SqliteEventLogStorage._connect)) == DAGSTER_CONNECT, (
        "Dagster's SqliteEventLogStorage._connect changed: bring pipelines/event_log.py's copy in step")


def test_events_are_written_through_the_kept_connections(tmp_path):
    """Dagster's writes and reads still go through `_connect`, so the connections are kept: a run of events
    opens each database once, not once per event."""
    storage = KeptConnectionSqliteEventLogStorage(str(tmp_path))
    assert {"_db_lock", "_initialized_dbs"} <= set(vars(storage)), "Dagster renamed the lock or the set used"
    opened: list[object] = []

    def connected(dbapi_connection, record) -> None:
        opened.append(dbapi_connection)

    sqlalchemy.event.listen(sqlalchemy.engine.Engine, "connect", connected)
    try:
        run_id = str(uuid.uuid4())
        for step in range(20):
            storage.store_event(_message(run_id, f"step {step} started"))
        assert len(storage.get_records_for_run(run_id).records) == 20
    finally:
        sqlalchemy.event.remove(sqlalchemy.engine.Engine, "connect", connected)
        storage.dispose()
    assert len(opened) <= 4, f"{len(opened)} SQLite connections opened for 20 events"
