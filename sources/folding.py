"""Unicode folding of source cells: the DuckDB function `nfkc(text)` that sources/macros.sql and the loaders'
SQL call, registered on each connection that loads (warehouse/connection.py opens them)."""

from __future__ import annotations

import array
import itertools
import unicodedata
import weakref

import duckdb
import pyarrow as pa
import pyarrow.compute as pc


def nfkc(values: pa.Array) -> pa.Array:
    """NFKC by Python's unicodedata: the same engine that decides whether a file needs folding at all
    (sources/reading.py), so a cell folds the same whatever the rest of its file holds. (Arrow's
    utf8_normalize follows a newer Unicode version than Python 3.11's 14.0: 167 code points would differ.)
    Only files that need folding get here; each distinct value is folded once."""
    distinct = pc.unique(values)
    folded = _strings([None if v is None else unicodedata.normalize("NFKC", v) for v in distinct.to_pylist()])
    return pc.take(folded, pc.index_in(values, distinct))


def _strings(values: list[str | None]) -> pa.Array:
    """An Arrow string array made from its buffers. (pa.array would do, but its first call in a process imports
    pandas, which a build otherwise never needs: an incremental build's first quarantined row would wait for
    it.)"""
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


#: the connections known to have `nfkc`: asking duckdb_functions() lists every function there is, and a build
#: asks for each connection and cursor it prepares
_HAVE_NFKC: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()


def register_nfkc(con: duckdb.DuckDBPyConnection) -> None:
    """Make `nfkc(text)` callable in `con`'s database (a function registered from Python is the database's:
    every cursor of `con` has it too); a connection that has it already keeps it."""
    if con in _HAVE_NFKC:
        return
    if not con.execute("SELECT 1 FROM duckdb_functions() WHERE function_name = 'nfkc'").fetchall():
        con.create_function("nfkc", nfkc, ["VARCHAR"], "VARCHAR", type="arrow")
    _HAVE_NFKC.add(con)
