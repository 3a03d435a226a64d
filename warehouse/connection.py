"""The one place that opens DuckDB connections.

Pipelines write into a build's own new database beside the published one; the dashboard and analysts only
ever open the *published* file, read-only. How a finished build becomes the
published file (an atomic rename, no copy) is in warehouse/publication.py.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from sources.folding import register_nfkc
from sources.loading import source_macros_sql
from warehouse.skill_matching import register_skill_matching

#: DuckDB's memory for a build (past it, DuckDB spills to a temp folder beside the file). DuckDB's default,
#: 80 % of RAM, would let a national build crowd out the dashboard on the same machine; measured peak with
#: this limit: benchmarks/RESULTS.md.
WRITER_MEMORY_LIMIT = os.environ.get("PORTAL_DUCKDB_MEMORY_LIMIT", "2GB")


@contextmanager
def writer(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a build database, with the sources' folding function and normalisation macros
    registered."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), config={"memory_limit": WRITER_MEMORY_LIMIT})
    try:
        register_nfkc(con)
        register_skill_matching(con)
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
        register_nfkc(con)  # the metric macros sent with a query (models.with_macros) call it
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
