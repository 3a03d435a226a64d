"""The personal-data guarantee, checked: no personal column and no clear personal value in any table.

Students are identified only by keyed pseudonyms; this scan is the last line of defence before a build is
published. It looks for columns named like personal fields and for values shaped like a mainland ID number
or mobile phone number anywhere in any text or JSON column (quarantined rows included).

A build is scanned once, in two halves that together cover every table: the `no_personal_data` check scans
what the loaders wrote (LOADER_SCHEMAS) once they have all run, and the publication step scans everything
else (the models and the build record), see pipelines/defs. Each table is read in one query, all its text
columns at once, and a value is matched against the patterns only when it is long enough to hold a match;
DuckDB's column statistics skip columns too short to hold one and let columns of few distinct values (file
names, codes, categories) be matched one distinct value at a time (_hits).
A build reads only what changed since the publication it started from was scanned (warehouse/state.py,
scan_plan): the rows of the files loaded this build, the tables built again, and for a model updated by a delta
the rows that changed, scanned as the delta is applied (scan_delta; if they hold anything, the publication's
scan reads the years they touched and reports it).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from sources.pseudonymise import ANY_PERSONAL, ID_NUMBER, MOBILE, SHORTEST_PERSONAL
from warehouse import state

PERSONAL_COLUMN_NAMES = ("student_name", "id_number", "phone", "student_id", "姓名", "身份证号", "手机号", "学号")
#: the schemas only the source loaders write (sources/loading.py, sources/reference_data.py)
LOADER_SCHEMAS = ("reference", "raw")
#: what the patterns look for (the findings name it)
PATTERNS = (("an ID number", ID_NUMBER), ("a mobile number", MOBILE))
_SYSTEM_SCHEMAS = ("information_schema", "pg_catalog")


def scanner_fingerprint() -> str:
    """What a clean scan depends on: a table scanned clean by another version of this scan is read again."""
    return state.digest("scanner", Path(__file__).read_text(encoding="utf-8"), ANY_PERSONAL, SHORTEST_PERSONAL)


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _text(column: str) -> str:
    return f"{_quoted(column)}::VARCHAR"


def find_personal_data(con: duckdb.DuckDBPyConnection, *, only: tuple[str, ...] | None = None,
                       skip: tuple[str, ...] = (), changed_only: bool = False) -> list[str]:
    """Human-readable findings; empty when the scanned tables hold no personal data.

    Every table of the build database is scanned (whatever its schema), or only those of the schemas in
    `only`, minus those of the schemas in `skip`. With `changed_only`, each table is read only as far as it
    changed since it was last scanned clean (warehouse/state.py), and a clean result is recorded there.
    """
    if changed_only:
        scanner = scanner_fingerprint()
        state.ensure(con)
    columns = con.execute(
        """SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns()
           WHERE database_name = current_database() AND NOT internal
             AND schema_name NOT IN (SELECT unnest(?::VARCHAR[]))
           ORDER BY schema_name, table_name, column_index""",
        [[*_SYSTEM_SCHEMAS, *skip]],
    ).fetchall()
    if only is not None:
        columns = [c for c in columns if c[0] in only]
    findings = [
        f"{s}.{t} has a personal column '{c}'" for s, t, c, _ in columns if c.lower() in PERSONAL_COLUMN_NAMES
    ]
    text_columns: dict[tuple[str, str], list[str]] = {}
    for schema, table, column, data_type in columns:
        if data_type in ("VARCHAR", "JSON"):
            text_columns.setdefault((schema, table), []).append(column)
    scanned: dict[str, str] = {}  # table → the state it is scanned at (tracked tables only)
    for (schema, table), names in text_columns.items():
        where = ""
        if changed_only:
            plan = state.scan_plan(con, f"{schema}.{table}", scanner)
            if plan is None:
                continue
            where = f" WHERE {plan.where}" if plan.where else ""
            if plan.state is not None:
                scanned[f"{schema}.{table}"] = plan.state
        hit = _hits(con, f'{schema}."{table}"', names, where)
        for column, column_hit in zip(names, hit, strict=True):
            if not column_hit:
                continue
            # rare: say which pattern, as the finding names it
            for label, pattern in PATTERNS:
                found = con.execute(
                    f'SELECT count(*) FROM {schema}."{table}" WHERE regexp_matches({_text(column)}, ?)', [pattern]
                ).fetchone()[0]
                if found:
                    findings.append(f"{schema}.{table}.{column}: {found} value(s) shaped like {label}")
    if changed_only and not findings:
        state.record_scanned(con, scanned, scanner)
    return findings


#: a column with at most this share of distinct values (codes, file names, categories) is matched one distinct
#: value at a time: grouping its rows costs far less than a regular expression per row
DISTINCT_SCAN_SHARE = 0.1


def _hits(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], where: str = "") -> tuple[bool, ...]:
    """Whether any value of each column of `table` (the rows `where` selects, as " WHERE …") matches either
    pattern, in one query. DuckDB's statistics of each column decide how it is read: a column whose longest
    value is shorter than any match (or that holds only NULLs) is not read, one with few distinct values is
    matched one distinct value at a time, any other value by value; `length()` first, so the regular
    expression runs only on values long enough to hold a match. (The statistics cover the whole table and
    only ever widen, so they hold for any selection of its rows.)"""
    def matches(column: str) -> str:
        text = _text(column)
        return f"count_if(length({text}) >= {SHORTEST_PERSONAL} AND regexp_matches({text}, $pattern)) > 0"

    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if rows == 0:
        return (False,) * len(columns)
    stats = con.execute("SELECT " + ", ".join(f"stats({_quoted(c)})" for c in columns)
                        + f" FROM {table} LIMIT 1").fetchone()
    per_row, per_value = [], []
    for column, found in zip(columns, stats, strict=True):
        found = found if isinstance(found, dict) else {}
        longest, distinct = found.get("max_string_length"), found.get("approx_unique")
        if isinstance(longest, int) and longest < SHORTEST_PERSONAL:
            continue  # (bytes: a value has at least as many bytes as characters)
        if isinstance(distinct, int) and distinct <= DISTINCT_SCAN_SHARE * rows:
            per_value.append(column)
        else:
            per_row.append(column)
    if not per_row and not per_value:
        return (False,) * len(columns)
    select = [matches(c) for c in per_row] + [
        f"(SELECT {matches(c)} FROM (SELECT DISTINCT {_quoted(c)} FROM {table}{where}))" for c in per_value]
    found = dict(zip(per_row + per_value, con.execute(
        "SELECT " + ", ".join(select) + (f" FROM {table}{where}" if per_row else ""),
        {"pattern": ANY_PERSONAL}).fetchone(), strict=True))
    return tuple(bool(found.get(c)) for c in columns)


def scan_delta(con: duckdb.DuckDBPyConnection, table: str, changed_rows: str, from_state: str,
               to_state: str) -> bool:
    """After a delta replaced the rows of `table` that differ (temp table `changed_rows`, warehouse/models.py):
    when the table was scanned clean at `from_state`, scan just those rows, and if they are clean record the
    table as scanned at `to_state`, so the publication's scan skips it. Anything found is left for that
    scan, which reads the rows again and reports them. True when recorded."""
    scanner = scanner_fingerprint()
    if con.execute(f"SELECT state, scanner FROM {state.SCHEMA}.scan_state WHERE table_name = ?",
                   [table]).fetchone() != (from_state, scanner):
        return False
    columns = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = 'temp' AND table_name = ?",
        [changed_rows]).fetchall()
    if any(c.lower() in PERSONAL_COLUMN_NAMES for c, _ in columns):
        return False
    names = [c for c, t in columns if t in ("VARCHAR", "JSON")]
    if names and any(_hits(con, changed_rows, names)):
        return False
    state.record_scanned(con, {table: to_state}, scanner)
    return True
