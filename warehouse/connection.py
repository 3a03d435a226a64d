"""The one place that opens DuckDB connections.

Pipelines write into a build's own new database beside the published one; the dashboard and analysts only
ever open the *published* file, read-only, with short-lived connections. How a finished build becomes the
published file (an atomic rename, no copy) is in warehouse/publication.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

import sources
from sources.pseudonymise import personal_data_macros_sql

MACROS_SQL = (Path(sources.__file__).resolve().parent / "macros.sql").read_text(encoding="utf-8")


def _nfkc(values: pa.Array) -> pa.Array:
    return pc.utf8_normalize(values, "NFKC")


#: the name under which a build sees the previous publication (read-only), when there is one
PREVIOUS = "previous"


@contextmanager
def writer(path: Path, previous: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a build database, with the source-normalisation macros registered, and
    the published warehouse `previous` (if given and readable) attached read-only as database `previous`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.create_function("nfkc", _nfkc, ["VARCHAR"], "VARCHAR", type="arrow")
        con.execute(MACROS_SQL)
        con.execute(personal_data_macros_sql())
        if previous is not None and previous.exists():
            try:
                con.execute(f"ATTACH ? AS {PREVIOUS} (READ_ONLY)", [str(previous)])
            except duckdb.Error:
                pass  # a damaged or foreign file there must not stop the build that replaces it
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


def checkpoint(path: Path) -> None:
    """Fold a closed build database's write-ahead log into its file, so the file alone is the database."""
    con = duckdb.connect(str(path))
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()
