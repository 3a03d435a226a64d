"""What each table of a build was made from, so a build redoes only what its changed inputs touch.

A build starts as a copy of the publication (warehouse/publication.py), so it already holds every table of
the previous build. Each table has a *state*: a fingerprint of what it was made from.

- raw.<kind>: the files loaded (name, content sha256, loader fingerprint), from raw.<kind>__files;
- reference.<table>: the table's content (the lists are small);
- a model: its content when it has at most CONTENT_STATE_MAX_ROWS rows (cheap to hash),
  else its *recipe*: its SQL, the macros and settings it runs with, and the states of the tables it reads (so
  it changes when anything upstream changes, like a Merkle tree).

`meta.table_state` records, for every model, its state, the recipe it was last built from and its inputs'
states then. A model whose recipe is unchanged is not built again; and as a small model's state is its content,
a model built again with the same rows leaves the models below it alone (a survey edit that changes no
internship base does not rebuild the placements). A model whose inputs changed may be brought up to date by a
*delta* instead (warehouse/models.py, "incremental by" in the model's header) when every changed input has a
delta record here (`meta.table_delta`: from which state to which, and which files or years it touched; for a
model's delta, `meta.delta_rows` also holds a hash of each row it brought in). `meta.scan_state` records the
state at which each table was last scanned for personal data, so the scan (warehouse/privacy.py, a step of
its own after the models) reads only what changed since: for a model's delta, just the rows it brought in.

Every decision here falls back to the full work when a record is missing or does not chain exactly: a build
from scratch, a model changed, a table made by older code, or a run that built only some assets.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import duckdb

from sources.catalog import column_types

SCHEMA = "meta"
#: up to this many rows a table's state is its content (a sum of row hashes, which costs a scan of the table;
#: beyond it, the recipe: benchmarks/RESULTS.md)
CONTENT_STATE_MAX_ROWS = 3_000_000
_DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.table_state (
    table_name VARCHAR PRIMARY KEY, state VARCHAR NOT NULL, recipe VARCHAR NOT NULL, code VARCHAR NOT NULL,
    inputs JSON NOT NULL, how VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS {SCHEMA}.table_delta (
    table_name VARCHAR PRIMARY KEY, from_state VARCHAR NOT NULL, to_state VARCHAR NOT NULL,
    years INTEGER[], gone_files VARCHAR[], new_files VARCHAR[]);
CREATE TABLE IF NOT EXISTS {SCHEMA}.delta_rows (table_name VARCHAR NOT NULL, row_hash UBIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS {SCHEMA}.scan_state (
    table_name VARCHAR PRIMARY KEY, state VARCHAR NOT NULL, scanner VARCHAR NOT NULL);
"""


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Create the record tables if this database has none yet: once per step that reads or writes them (the
    model runner, a loader's delta, the personal-data scan), not per look-up."""
    con.execute(_DDL)


def digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """(Not inside a transaction: see column_types.)"""
    return column_types(con, table) is not None


def has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return column in (column_types(con, table) or {})


# --- the loaders' tables ---------------------------------------------------------------------------
def loaded_files(con: duckdb.DuckDBPyConnection, kind: str) -> dict[str, tuple[str, str]] | None:
    """{file: (sha256, loader fingerprint)} of the files raw.<kind> holds rows of; None if it is not there (or
    was made before files were tracked by content)."""
    if not (table_exists(con, f"raw.{kind}") and has_column(con, f"raw.{kind}__files", "loader_fingerprint")):
        return None
    rows = con.execute(
        f"SELECT file, sha256, loader_fingerprint FROM raw.{kind}__files WHERE status = 'loaded'").fetchall()
    return {f: (sha, fp) for f, sha, fp in rows}


def _files_state(files: dict[str, tuple[str, str]] | None) -> str | None:
    return None if files is None else digest("files", sorted(files.items()))


def record_source_delta(con: duckdb.DuckDBPyConnection, kind: str,
                        before: dict[str, tuple[str, str]] | None) -> None:
    """After raw.<kind> was loaded: which files' rows left (`gone_files`, by the name they were held under)
    and which came in (`new_files`), since `before` (loaded_files() taken before the load)."""
    ensure(con)
    after = loaded_files(con, kind)
    con.execute(f"DELETE FROM {SCHEMA}.table_delta WHERE table_name = ?", [f"raw.{kind}"])
    if before is None or after is None:
        return
    gone = sorted(f for f, v in before.items() if after.get(f) != v)
    new = sorted(f for f, v in after.items() if before.get(f) != v)
    if not gone and not new:
        return
    con.execute(f"INSERT INTO {SCHEMA}.table_delta VALUES (?, ?, ?, NULL, ?, ?)",
                [f"raw.{kind}", _files_state(before), _files_state(after), gone, new])


def source_state(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """The state of a table the loaders write (raw.<kind>, reference.<table>); None if it is not there."""
    schema, name = table.split(".")
    if schema == "raw":
        return _files_state(loaded_files(con, name.split("__")[0]))
    return content_state(con, table) if table_exists(con, table) else None


def content_state(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """A fingerprint of a table's rows, whatever their order: the row count and the sum of the rows' 64-bit
    hashes (two different contents give the same one with a chance of about 2^-64)."""
    rows, total = con.execute(f"SELECT count(*), sum(hash(t)::HUGEINT) FROM {table} AS t").fetchone()
    return digest("content", rows, str(total))


# --- the models' records ---------------------------------------------------------------------------
@dataclass(frozen=True)
class TableState:
    state: str  # what the tables below see: its content, or for a large table its recipe
    recipe: str  # its code and its inputs' states
    code: str
    inputs: dict[str, str | None]


@dataclass(frozen=True)
class Delta:
    from_state: str
    to_state: str
    years: list[int] | None
    gone_files: list[str] | None
    new_files: list[str] | None


def stored_state(con: duckdb.DuckDBPyConnection, table: str) -> TableState | None:
    row = con.execute(f"SELECT state, recipe, code, inputs FROM {SCHEMA}.table_state WHERE table_name = ?",
                      [table]).fetchone()
    return None if row is None else TableState(row[0], row[1], row[2], json.loads(row[3]))


def record_state(con: duckdb.DuckDBPyConnection, table: str, built: TableState, how: str) -> None:
    con.execute(f"INSERT OR REPLACE INTO {SCHEMA}.table_state VALUES (?, ?, ?, ?, ?, ?)",
                [table, built.state, built.recipe, built.code, json.dumps(built.inputs, sort_keys=True), how])


def forget(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Remove every record of `table` (a table dropped for good)."""
    for records in ("table_state", "table_delta", "delta_rows", "scan_state"):
        con.execute(f"DELETE FROM {SCHEMA}.{records} WHERE table_name = ?", [table])


def delta(con: duckdb.DuckDBPyConnection, table: str) -> Delta | None:
    row = con.execute(f"SELECT from_state, to_state, years, gone_files, new_files FROM {SCHEMA}.table_delta "
                      "WHERE table_name = ?", [table]).fetchone()
    return None if row is None else Delta(*row)


def record_delta(con: duckdb.DuckDBPyConnection, table: str, from_state: str | None, to_state: str,
                 years: list[int] | None, added: str | None = None) -> None:
    """Record how `table` changed in this build (None from_state: rebuilt whole, no delta to follow): the
    years its changed rows are of (None: not known), and for a delta, the rows it brought in (`added`, a
    temp table of the table's columns) by their row_hash, which the personal-data scan reads them by."""
    con.execute(f"DELETE FROM {SCHEMA}.table_delta WHERE table_name = ?", [table])
    con.execute(f"DELETE FROM {SCHEMA}.delta_rows WHERE table_name = ?", [table])
    if from_state is not None:
        con.execute(f"INSERT INTO {SCHEMA}.table_delta VALUES (?, ?, ?, ?, NULL, NULL)",
                    [table, from_state, to_state, years])
        if added is not None:
            con.execute(f"INSERT INTO {SCHEMA}.delta_rows SELECT ?, {row_hash(con, table)} FROM {added}", [table])


def row_hash(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The SQL of a 64-bit hash of every column of a row of `table` (a row of a temp table of the same
    columns hashes alike)."""
    return "hash(" + ", ".join('"' + c.replace('"', '""') + '"' for c in column_types(con, table)) + ")"


def current_state(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """A table's state now: a model's as recorded when it was built, a loader table's computed."""
    if table.split(".")[0] in ("raw", "reference"):
        return source_state(con, table)
    stored = stored_state(con, table)
    return None if stored is None else stored.state


# --- the personal-data scan's records ---------------------------------------------------------------
@dataclass(frozen=True)
class ScanPlan:
    state: str | None  # the table's state now, recorded once it is scanned clean; None: not tracked
    where: str | None  # a condition selecting just the rows a delta brought in; None: the whole table


def scan_plan(con: duckdb.DuckDBPyConnection, table: str, scanner: str) -> ScanPlan | None:
    """How much of `table` the personal-data scan must read: None when nothing changed since it was last
    scanned clean by this same scanner, else the whole table or just the rows a delta brought in: a loader's,
    the rows of the files that came in; a model's, the rows of its row hashes in meta.delta_rows (in the years
    it touched, which prunes row groups; two rows sharing a hash are both read)."""
    base = table.split("__")[0] if table.startswith("raw.") else table
    # the build records and file logs are small and written anew by every build: always read whole
    now = None if table.startswith(("audit.", f"{SCHEMA}.")) or table.endswith("__files") else current_state(con, base)
    if now is None:
        return ScanPlan(None, None)
    row = con.execute(f"SELECT state, scanner FROM {SCHEMA}.scan_state WHERE table_name = ?", [table]).fetchone()
    if row is None or row[1] != scanner:
        return ScanPlan(now, None)
    if row[0] == now:
        return None
    change = delta(con, base)
    if change is None or change.from_state != row[0] or change.to_state != now:
        return ScanPlan(now, None)
    if change.new_files is not None:
        column = "file" if table.endswith("__quarantine") else "source_file"
        return ScanPlan(now, f"{column} IN ({sql_constants(change.new_files)})"
                        if has_column(con, table, column) else None)
    added = (f"{row_hash(con, table)} IN (SELECT row_hash FROM {SCHEMA}.delta_rows "
             f"WHERE table_name = {sql_constants([table])})")
    if change.years is not None and has_column(con, table, "year"):
        return ScanPlan(now, f"year IN ({sql_constants(change.years)}) AND {added}")
    return ScanPlan(now, added)


def record_scanned(con: duckdb.DuckDBPyConnection, scanned: dict[str, str], scanner: str) -> None:
    """Remember that these tables ({table: its state, from its ScanPlan}) were scanned clean."""
    for table, now in scanned.items():
        con.execute(f"INSERT OR REPLACE INTO {SCHEMA}.scan_state VALUES (?, ?, ?)", [table, now, scanner])


def sql_constants(values: list) -> str:
    """Constants for an IN list (DuckDB prunes row groups by them, not by a subquery's values); NULL for none."""
    return ", ".join(str(int(v)) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"
                     for v in values) or "NULL"
