"""The one place that opens DuckDB connections.

Pipelines write into a *build* database beside the published one; the dashboard and analysts only ever
open the *published* file, read-only. A finished build whose blocking checks passed is published by
copying it next to the published file and renaming it over it in one atomic step, so a reader sees the old
warehouse or the new one, never half of either.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

import sources
from sources.pseudonymise import personal_data_macros_sql

MACROS_SQL = (Path(sources.__file__).resolve().parent / "macros.sql").read_text(encoding="utf-8")


def build_path_for(published: Path) -> Path:
    """The pipelines' working database for a published warehouse path (same folder, so rename is atomic)."""
    return published.with_name(published.stem + ".build" + published.suffix)


def _nfkc(values: pa.Array) -> pa.Array:
    return pc.utf8_normalize(values, "NFKC")


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
        con.execute(MACROS_SQL)
        con.execute(personal_data_macros_sql())
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


def publish(build: Path, published: Path) -> None:
    """Atomically replace `published` with a copy of the finished `build` database."""
    with duckdb.connect(str(build)) as con:
        con.execute("CHECKPOINT")  # fold the WAL into the file so the copy is complete
    staging = published.with_name(f".{published.name}.publishing-{os.getpid()}")
    try:
        shutil.copyfile(build, staging)
        with open(staging, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(staging, published)
    finally:
        staging.unlink(missing_ok=True)
