"""The plumbing under every dashboard query: which warehouse file is published, one read-only connection kept
open to it, and results cached per publication, SQL and bound parameters. The SQL itself, and the viewer's
scope in it, is the catalogue's (queries.py); pages do not run SQL of their own.

The published warehouse is one DuckDB file that a build replaces atomically (rename) while the dashboard
runs. Queries share one read-only connection per publication (opening a national warehouse costs more than
most queries), and cached results are keyed by the file's identity
(warehouse.publication.identity: device, inode, mtime): a new publication gets a new connection and is read
on the next query, without a restart. Values only ever reach SQL as bound parameters, so the cache key holds
every value a result depends on, the viewer's scope among them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd
import streamlit as st

from warehouse import connection
from warehouse import settings as warehouse_settings
from warehouse.publication import identity

T = TypeVar("T")

#: tables the pages need; a file without them is not a usable warehouse (empty or half-built)
REQUIRED_TABLES = ("marts.headline", "marts.major_gap", "marts.industry_gap", "marts.internship_coverage")


@dataclass(frozen=True)
class Publication:
    """Which published file a result came from: a new publication has a new identity."""

    path: str
    identity: tuple[int, int, int]  # (device, inode, mtime_ns)

    @property
    def mtime_ns(self) -> int:
        return self.identity[2]


class PublicationChanged(Exception):
    """The file was replaced while it was read; the caller reads again."""


class WarehouseUnavailable(Exception):
    """No usable warehouse at the configured path (missing, empty, not yet built, unreadable)."""


def warehouse_path() -> Path:
    return warehouse_settings.warehouse_path()


def publication() -> Publication | None:
    path = warehouse_path()
    found = identity(path)
    return None if found is None else Publication(str(path), found)


_kept_open_lock = threading.Lock()
_kept_open: tuple[Publication, duckdb.DuckDBPyConnection] | None = None


@contextmanager
def _cursor(pub: Publication) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the connection kept open to `pub`. A new publication replaces that connection on the next
    query; the old one is dropped, not closed, so queries still running on it finish, and DuckDB closes it
    (letting the old file go) when its last cursor closes. Until a query comes, an idle dashboard keeps the
    replaced file open: its disk space is freed on the first query after a publication."""
    global _kept_open
    with _kept_open_lock:
        if _kept_open is None or _kept_open[0] != pub:
            opened = connection.kept_open_reader(Path(pub.path))
            if publication() != pub:  # replaced between stat and open: the file opened is not `pub`
                opened.close()
                raise PublicationChanged
            _kept_open = (pub, opened)
        kept = _kept_open[1]
        cursor = kept.cursor()
    try:
        cursor.execute(f"USE {connection.KEPT_OPEN_NAME}")
        yield cursor
    except (duckdb.FatalException, duckdb.InternalException):
        # DuckDB refuses every later query of a database after such an error: the next query opens afresh
        with _kept_open_lock:
            if _kept_open is not None and _kept_open[1] is kept:
                _kept_open = None
        raise
    finally:
        cursor.close()


@st.cache_data(show_spinner=False, max_entries=512)
def _fetch(pub: Publication, sql: str, params: tuple) -> pd.DataFrame:
    with _cursor(pub) as con:
        frame = con.execute(sql, list(params)).df()
    if publication() != pub:  # replaced while it was read: read the new publication instead
        raise PublicationChanged
    return frame


def _read_current(read: Callable[[Publication], T]) -> T:
    """`read(pub)` of the current publication, or of the next one when it was replaced meanwhile;
    WarehouseUnavailable when there is none or DuckDB cannot read it."""
    for _ in range(3):
        pub = publication()
        if pub is None:
            raise WarehouseUnavailable(str(warehouse_path()))
        try:
            return read(pub)
        except PublicationChanged:
            continue
        except duckdb.Error as error:
            raise WarehouseUnavailable(str(error)) from error
    raise WarehouseUnavailable("the warehouse kept changing while it was read")


def query(sql: str, params: tuple = ()) -> pd.DataFrame:
    """Run one SELECT against the current publication (cached per publication and parameters)."""
    return _read_current(lambda pub: _fetch(pub, sql, tuple(params)))


@st.cache_data(show_spinner=False, max_entries=16)
def _tables(pub: Publication) -> frozenset[str]:
    with _cursor(pub) as con:
        rows = con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables() "
                           f"WHERE database_name = '{connection.KEPT_OPEN_NAME}'").fetchall()
    return frozenset(r[0] for r in rows)


def tables() -> frozenset[str]:
    try:
        return _read_current(_tables)
    except WarehouseUnavailable:
        return frozenset()


def is_ready() -> bool:
    """True when the published file exists and holds the marts the pages read."""
    return set(REQUIRED_TABLES) <= tables()
