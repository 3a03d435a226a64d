"""Dagster's SQLite event log, with its connections kept open between events.

`portal build` and `portal ui` share a Dagster instance in DAGSTER_HOME whose dagster.yaml (written by
pipelines/cli.py) names this class as the event log storage. It is Dagster's own SQLite event log (one
database per run and an index database, the same files and schema), but for one thing: Dagster's opens a new
SQLAlchemy engine and SQLite connection for every event it writes and closes both after it. A build writes
some 170 events (a run's planned assets, each step's start, outputs and end, each asset's materialization,
which is written twice: to the run's database and to the index), and opening and closing them was a share of
an incremental build worth saving (benchmarks/RESULTS.md). Here each database file keeps one engine with one
connection for as long as the process uses it.

Writes are still one transaction each, committed as Dagster commits them, under Dagster's own lock, so other
processes (the UI, the daemon) see the same files as before; a database written to is touched, as closing the
connection used to change it, so that the UI's watch on a running run sees each new event. A process keeps
the connections of the few databases it used last (a run's and the index) and closes the others; a child
process (the multiprocess executor forks) opens its own. PostgreSQL storage (deploy/dagster.yaml) keeps its
own pooled connections and does not use this.

Dagster has no public option for this (its SQLite storages, `storage: sqlite` and the consolidated one, all
open an engine per connection), so this class subclasses a private one (`dagster._core`) and overrides its
private `_connect`, copying what Dagster's does around the engine. It is kept behind tests that fail loudly
when Dagster changes what it relies on (tests/test_event_log.py: Dagster's `_connect` as it was copied, the
attributes used, and that events are written through the kept connections); Dagster is pinned in
pyproject.toml, so they speak at an upgrade.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

#: databases whose connection a process keeps open (the run being written, the index, a few the UI reads)
KEPT = 4


def _commit_without_waiting_for_the_disk(sqlite, _record) -> None:
    # Dagster's databases are in WAL mode, where SQLite's default (synchronous=FULL) waits for the disk at every
    # commit, i.e. at each of a build's events. NORMAL waits only when the log is folded into the database: a
    # crash of the machine may lose a run's last events, never the database's consistency (SQLite's docs,
    # "PRAGMA synchronous"), and a run's records are a log of it, not the data (that is the warehouse, which
    # DuckDB writes and publishes on its own terms).
    sqlite.execute("PRAGMA synchronous=NORMAL")


class KeptConnectionSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage whose engines (one connection each) live as long as the process needs them."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_pid = os.getpid()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> KeptConnectionSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        if self._engines_pid != os.getpid():  # a forked child must not use its parent's connections
            self._engines = OrderedDict()
            self._engines_pid = os.getpid()
        engine = self._engines.get(shard)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=QueuePool,
                # one connection kept, used by one thread at a time (under Dagster's lock), from any thread;
                # setting a database up (_initdb) opens a second one for a moment
                pool_size=1,
                max_overflow=2,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            event.listen(engine, "connect", _commit_without_waiting_for_the_disk)
            self._engines[shard] = engine
            while len(self._engines) > KEPT:
                self._engines.popitem(last=False)[1].dispose()
        self._engines.move_to_end(shard)
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # Dagster's _connect, but for where the engine comes from
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                sqlite = conn.connection.dbapi_connection
                changes = sqlite.total_changes
                with conn.begin():
                    yield conn
                if sqlite.total_changes != changes:
                    # Dagster's UI follows a running run by watching its database file (watchdog). The rows are
                    # in SQLite's write-ahead log, and the file itself changes only when the last connection
                    # closes (Dagster's closes after every event; this one stays open), so it is touched.
                    os.utime(self.path_for_shard(shard))

    def _dispose_engines(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()

    def wipe(self) -> None:
        # the run databases are deleted: their kept connections must not write into the deleted files
        with self._db_lock:
            self._dispose_engines()
        super().wipe()

    def dispose(self) -> None:
        with self._db_lock:
            self._dispose_engines()
        super().dispose()
