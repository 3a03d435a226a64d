"""The personal-data guarantee, checked: no personal column and no clear personal value in any table.

Students are identified only by keyed pseudonyms; this scan is the last line of defence before a build is
published. It looks for columns named like personal fields and for values shaped like a mainland ID number,
a mobile phone number or an e-mail address (sources/pseudonymise.py) anywhere in any text or JSON column
(quarantined rows included). A finding names the table and column, and where the table says which file a row
came from, the file and the rows (a reference list: the bundled file or the landing folder's supplement); it
never quotes the value (a file name is shown masked).

A build is scanned once, by a step of its own after every loader and model (`personal_data_scan` and its
blocking check `no_personal_data`, pipelines/defs/assets.py); the publication step then scans only the
records it writes itself (warehouse/status.py), or everything if the run left the scan out. Each table is read
in one query, all its text columns at once, and a value is matched against the pattern only when it could hold
a match (long enough, or with an @); DuckDB's column statistics skip columns too short to hold one and let
columns of few distinct values (file names, codes, categories) be matched one distinct value at a time (_hits).
A build reads only what changed since the publication it started from was scanned (warehouse/state.py,
scan_plan, from what the loaders and the model runner recorded): the rows of the files loaded this build, the
tables built again, and for a model updated by a delta just the rows the delta brought in.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from sources import settings
from sources.pseudonymise import (
    ANY_PERSONAL,
    PERSONAL_VALUES,
    SHORTEST_NUMBER,
    SHORTEST_PERSONAL,
    mask_personal_text,
    might_hold_personal,
)
from warehouse import state

PERSONAL_COLUMN_NAMES = ("student_name", "id_number", "phone", "email", "student_id", "姓名", "身份证号", "手机号",
                         "邮箱", "学号")
#: the schemas only the source loaders write (sources/loading.py, sources/reference_data.py)
LOADER_SCHEMAS = ("reference", "raw")
#: the columns that say which file, and which row of it, a table's row came from (the findings name them)
FILE_COLUMNS = ("source_file", "file")
ROW_COLUMNS = ("source_row", "row_number")
#: how many files, and rows of each, a finding names
SHOWN_FILES, SHOWN_ROWS = 3, 5
_SYSTEM_SCHEMAS = ("information_schema", "pg_catalog")


def scanner_fingerprint() -> str:
    """What a clean scan depends on: a table scanned clean by another version of this scan is read again."""
    return state.digest("scanner", Path(__file__).read_text(encoding="utf-8"), ANY_PERSONAL, SHORTEST_PERSONAL)


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _text(column: str) -> str:
    return f"{_quoted(column)}::VARCHAR"


def find_personal_data(con: duckdb.DuckDBPyConnection, *, only: tuple[str, ...] | None = None,
                       skip: tuple[str, ...] = (), tables: tuple[str, ...] | None = None,
                       changed_only: bool = False) -> list[str]:
    """Human-readable findings, those of what the loaders wrote (which name the file) first; empty when the
    scanned tables hold no personal data.

    Every table of the build database is scanned (whatever its schema), or only those of the schemas in
    `only`, minus those of the schemas in `skip`, or only the `tables` named ('schema.table'). With
    `changed_only`, each table is read only as far as it changed since it was last scanned clean
    (warehouse/state.py), and a clean result is recorded there.
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
    if tables is not None:
        columns = [c for c in columns if f"{c[0]}.{c[1]}" in tables]
    # a value a loader let through is found again in every model that copied it: the loaders' findings name
    # the file it came from, so they come first
    columns.sort(key=lambda c: c[0] not in LOADER_SCHEMAS)
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
            if column_hit:  # rare: say what was found, and where
                table_columns = [c for s, t, c, _ in columns if (s, t) == (schema, table)]
                findings += _located(con, schema, table, column, table_columns)
    if changed_only and not findings:
        state.record_scanned(con, scanned, scanner)
    return findings


def _located(con: duckdb.DuckDBPyConnection, schema: str, table: str, column: str,
             table_columns: list[str]) -> list[str]:
    """The findings of a column that holds personal values: for each kind of value, how many, and where the
    table says so, in which files (masked: the file name may be where the value is) and rows."""
    file_column = next((c for c in FILE_COLUMNS if c in table_columns), None)
    row_column = next((c for c in ROW_COLUMNS if c in table_columns), None)
    findings = []
    for label, pattern in PERSONAL_VALUES:
        matched = f'{schema}."{table}" WHERE regexp_matches({_text(column)}, $pattern)'
        found = con.execute(f"SELECT count(*) FROM {matched}", {"pattern": pattern}).fetchone()[0]
        if not found:
            continue
        finding = f"{schema}.{table}.{column}: {found} value(s) shaped like {label}"
        if file_column is not None:
            rows = f"list(DISTINCT {_quoted(row_column)} ORDER BY {_quoted(row_column)})" if row_column else "[]"
            places = con.execute(
                f"SELECT {_text(file_column)}, {rows} FROM {matched} GROUP BY ALL ORDER BY 1 LIMIT {SHOWN_FILES + 1}",
                {"pattern": pattern}).fetchall()
            shown = [f"{mask_personal_text(str(file))}" + (
                f" row(s) {', '.join(map(str, numbers[:SHOWN_ROWS]))}{' …' if len(numbers) > SHOWN_ROWS else ''}"
                if numbers else "") for file, numbers in places[:SHOWN_FILES]]
            finding += f", in {'; '.join(shown)}{'; …' if len(places) > SHOWN_FILES else ''}"
        elif schema == "reference":  # a reference list: the bundled file, or the landing folder's supplement
            listed_in = "listed_in" if "listed_in" in table_columns else "'bundled'"
            origins = [o for (o,) in con.execute(f"SELECT DISTINCT {listed_in} FROM {matched} ORDER BY 1",
                                                 {"pattern": pattern}).fetchall()]
            finding += ", in " + "; ".join(
                f"the landing folder's {settings.LANDING_REFERENCE_UNIVERSITIES.as_posix()}" if o == "landing"
                else f"the bundled reference list {table}.csv" for o in origins)
        findings.append(finding)
    return findings


#: a column with at most this share of distinct values (codes, file names, categories) is matched one distinct
#: value at a time: grouping its rows costs far less than a regular expression per row
DISTINCT_SCAN_SHARE = 0.1


def _hits(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], where: str = "") -> tuple[bool, ...]:
    """Whether any value of each column of `table` (the rows `where` selects, as " WHERE …") matches either
    pattern, in one query. DuckDB's statistics of each column decide how it is read: a column whose longest
    value is shorter than any match (or that holds only NULLs) is not read, one with few distinct values is
    matched one distinct value at a time, any other value by value; `might_hold_personal` first, so the
    regular expression runs only on values that could hold a match. (The statistics cover the whole table and
    only ever widen, so they hold for any selection of its rows.)"""
    def matches(column: str) -> str:
        # (a CASE, not an AND: DuckDB evaluates both sides of an AND over the whole column, but a CASE's branch
        # only for the rows that take it)
        text = _text(column)
        return f"count_if(CASE WHEN {might_hold_personal(text)} THEN regexp_matches({text}, $pattern) END) > 0"

    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if rows == 0:
        return (False,) * len(columns)
    stats = con.execute("SELECT " + ", ".join(f"stats({_quoted(c)})" for c in columns)
                        + f" FROM {table} LIMIT 1").fetchone()
    per_row, per_value, with_at = [], [], []
    for column, found in zip(columns, stats, strict=True):
        found = found if isinstance(found, dict) else {}
        longest, distinct = found.get("max_string_length"), found.get("approx_unique")
        # (bytes: a value has at least as many bytes as characters)
        if isinstance(longest, int) and longest < SHORTEST_PERSONAL:
            continue
        if isinstance(longest, int) and longest < SHORTEST_NUMBER:
            with_at.append(column)  # codes, categories: too short for a number, so only an @ can start one
        elif isinstance(distinct, int) and distinct <= DISTINCT_SCAN_SHARE * rows:
            per_value.append(column)
        else:
            per_row.append(column)
    if not per_row and not per_value and not with_at:
        return (False,) * len(columns)
    # (a column with an @ but no e-mail address counts as a hit here; the findings say there is none)
    select = [matches(c) for c in per_row] + [f"count_if(contains({_text(c)}, '@')) > 0" for c in with_at] + [
        f"(SELECT {matches(c)} FROM (SELECT DISTINCT {_quoted(c)} FROM {table}{where}))" for c in per_value]
    found = dict(zip(per_row + with_at + per_value, con.execute(
        "SELECT " + ", ".join(select) + (f" FROM {table}{where}" if per_row or with_at else ""),
        {"pattern": ANY_PERSONAL} if per_row or per_value else None).fetchone(), strict=True))
    return tuple(bool(found.get(c)) for c in columns)

