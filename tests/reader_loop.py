"""A reader that keeps reading while builds run and publish: reusable with any way of reading.

`reader_loop(read, should_stop)` calls `read()` over and over, counting queries, recording every exception
as an error and the values `read()` returned, in order (a value repeated in a row is kept once). Use it with a plain read-only DuckDB
client (`duckdb_reader`, also runnable as a separate process: `python -m tests.reader_loop WAREHOUSE
STOP_FILE`), or with anything else — an AppTest of the dashboard, say:

    stats = reader_loop(lambda: AppTest.from_file("dashboard/app.py").run().exception, stop.is_set)

`BackgroundReader` runs the same loop in a thread.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ReaderStats:
    queries: int = 0
    errors: list[str] = field(default_factory=list)
    seen: list[object] = field(default_factory=list)  # values read, in order, repeats in a row collapsed

    def to_json(self) -> str:
        return json.dumps({"queries": self.queries, "errors": self.errors, "seen": self.seen}, default=str)

    @classmethod
    def from_json(cls, text: str) -> ReaderStats:
        data = json.loads(text)
        return cls(data["queries"], data["errors"], data["seen"])


def reader_loop(read: Callable[[], object], should_stop: Callable[[], bool], pause_seconds: float = 0.0) -> ReaderStats:
    stats = ReaderStats()
    while not should_stop():
        try:
            value = read()
        except Exception:  # every failure a user would see counts
            stats.errors.append(traceback.format_exc(limit=3))
        else:
            if not stats.seen or stats.seen[-1] != value:
                stats.seen.append(value)
        stats.queries += 1
        if pause_seconds:
            time.sleep(pause_seconds)
    return stats


def duckdb_reader(warehouse: Path) -> Callable[[], object]:
    """A plain read-only DuckDB client, as an analyst's notebook would use it: connect, query, close.
    Returns which build is published and a figure from a mart."""
    import duckdb

    def read() -> object:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            build_id = con.execute("SELECT build_id FROM audit.build").fetchone()[0]
            supply = con.execute("SELECT sum(supply)::VARCHAR FROM marts.major_gap").fetchone()[0]
        return [build_id, supply]

    return read


class BackgroundReader:
    """`reader_loop` in a thread: start it, do things, `stop()` returns the stats."""

    def __init__(self, read: Callable[[], object], pause_seconds: float = 0.0):
        self._stop = threading.Event()
        self._stats: ReaderStats | None = None
        self.latest: object = None  # the value of the last successful read, for waiting on a change
        self._thread = threading.Thread(target=self._run, args=(read, pause_seconds), daemon=True)

    def _run(self, read, pause_seconds) -> None:
        def read_and_remember() -> object:
            self.latest = read()
            return self.latest

        self._stats = reader_loop(read_and_remember, self._stop.is_set, pause_seconds)

    def start(self) -> BackgroundReader:
        self._thread.start()
        return self

    def stop(self) -> ReaderStats:
        self._stop.set()
        self._thread.join()
        assert self._stats is not None
        return self._stats


if __name__ == "__main__":
    # python -m tests.reader_loop WAREHOUSE STOP_FILE: read until STOP_FILE exists, print the stats as JSON
    warehouse, stop_file = Path(sys.argv[1]), Path(sys.argv[2])
    print(reader_loop(duckdb_reader(warehouse), stop_file.exists, pause_seconds=0.01).to_json(), flush=True)
