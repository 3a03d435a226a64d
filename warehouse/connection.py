"""The one place that opens DuckDB connections.

Pipelines write into a build's own new database beside the published one; the dashboard and analysts only
ever open the *published* file, read-only. How a finished build becomes the
published file (an atomic rename, no copy) is in warehouse/publication.py.
"""

from __future__ import annotations

import array
import itertools
import os
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from sources.loading import source_macros_sql


def _nfkc(values: pa.Array) -> pa.Array:
    """NFKC by Python's unicodedata: the same engine that decides whether a file needs folding at all
    (sources/reading.py), so a cell folds the same whatever the rest of its file holds. (Arrow's
    utf8_normalize follows a newer Unicode version than Python 3.11's 14.0: 167 code points would differ.)
    Only files that need folding get here; each distinct value is folded once."""
    distinct = pc.unique(values)
    folded = _strings([None if v is None else unicodedata.normalize("NFKC", v) for v in distinct.to_pylist()])
    return pc.take(folded, pc.index_in(values, distinct))


def _strings(values: list[str | None]) -> pa.Array:
    """An Arrow string array made from its buffers. (pa.array would do, but its first call in a process imports
    pandas, 0.3 s that a build otherwise never spends: an incremental build's first quarantined row paid it.)"""
    encoded = [b"" if v is None else v.encode() for v in values]
    offsets = array.array("i", itertools.accumulate(map(len, encoded), initial=0))
    validity = None
    if None in values:
        bits = bytearray((len(values) + 7) // 8)
        for i, v in enumerate(values):
            if v is not None:
                bits[i >> 3] |= 1 << (i & 7)
        validity = pa.py_buffer(bits)
    return pa.Array.from_buffers(pa.string(), len(values),
                                 [validity, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))])


#: DuckDB's memory for a build (past it, DuckDB spills to a temp folder beside the file). DuckDB's default,
#: 80 % of RAM, would let a national build crowd out the dashboard on the same machine; measured peak with
#: this limit: benchmarks/RESULTS.md.
WRITER_MEMORY_LIMIT = os.environ.get("PORTAL_DUCKDB_MEMORY_LIMIT", "2GB")


@contextmanager
def writer(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a build database, with the source-normalisation macros registered."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), config={"memory_limit": WRITER_MEMORY_LIMIT})
    try:
        con.create_function("nfkc", _nfkc, ["VARCHAR"], "VARCHAR", type="arrow")
        con.execute(source_macros_sql())
        yield con
    finally:
        con.close()


@contextmanager
def reader(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to a published warehouse."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


#: DuckDB's memory for the dashboard's kept-open reader, shared by every session's queries (its cache of the
#: file's blocks included); unset, DuckDB's default of 80 % of RAM, as a connection opened by path gets
READER_MEMORY_LIMIT = os.environ.get("PORTAL_DUCKDB_READER_MEMORY_LIMIT")
#: the name the kept-open reader gives the published file (`USE` it on each cursor)
KEPT_OPEN_NAME = "published"


def kept_open_reader(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a published warehouse, to be kept open and queried through cursors (one per
    query, each after `USE published`). The file is attached to an in-memory database instead of opened
    by path, because DuckDB keeps one database per path in a process: after a publication replaced the file,
    opening the path again would hand back the kept-open database, the old file's data."""
    # an in-memory database would spill to `.tmp` in the working directory, which may not be writable
    config = {"temp_directory": str(Path(tempfile.gettempdir()) / "portal-duckdb-reader")}
    if READER_MEMORY_LIMIT:
        config["memory_limit"] = READER_MEMORY_LIMIT
    con = duckdb.connect(":memory:", config=config)
    try:
        quoted = str(path).replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS {KEPT_OPEN_NAME} (READ_ONLY)")
    except BaseException:
        con.close()
        raise
    return con


def checkpoint(path: Path) -> None:
    """Fold a closed build database's write-ahead log into its file, so the file alone is the database."""
    con = duckdb.connect(str(path))
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()
