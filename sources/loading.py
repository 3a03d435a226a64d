"""Loading every file of one source kind: read, normalise, validate, quarantine, pseudonymise.

For a kind `k` this writes three tables, all owned by the Dagster asset raw/k:
- `raw.k`              the rows that passed every rule, normalised and typed;
- `raw.k__quarantine`  the rows that did not: file, row, column, reason and the row as written (JSON);
- `raw.k__files`       one row per file: loaded (with its counts) or rejected whole (with the reason).
For every loaded file rows_read = rows_loaded + rows_quarantined. The kind is reloaded whole on each
build, so building twice from the same files gives the same tables; `loaded_at` is when this exact
content (file name + sha256) was first loaded, carried over from the previous build.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from sources import settings
from sources.pseudonymise import hmac_pads, student_key_sql
from sources.reading import FileRejected, read_into_incoming
from sources.schema import STUDENT_ID, SourceKind, normalise_select, raw_table_ddl, violation_case


@dataclass
class FileReport:
    file: str
    kind: str
    sha256: str | None
    status: str  # loaded | rejected
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""

    def line(self) -> str:
        """The one line `portal build` prints for this file."""
        if self.status == "loaded":
            text = (
                f"{self.file}: read {self.rows_read}, loaded {self.rows_loaded}, "
                f"quarantined {self.rows_quarantined}"
            )
            return text + (f" ({self.message})" if self.message else "")
        return f"{self.file}: REJECTED: {self.message}"


def landing_files(landing: Path, kind: SourceKind) -> list[Path]:
    folder = landing / kind.name
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in settings.SOURCE_SUFFIXES
        and not p.name.startswith((".", "~$"))  # hidden files and Excel's lock files
    )


def _create_tables(con: duckdb.DuckDBPyConnection, kind: SourceKind) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(raw_table_ddl(kind))
    con.execute(
        f"""CREATE OR REPLACE TABLE raw.{kind.name}__quarantine (
            file VARCHAR NOT NULL, kind VARCHAR NOT NULL, source_row INTEGER NOT NULL,
            column_name VARCHAR, reason VARCHAR NOT NULL, raw_row JSON)"""
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE raw.{kind.name}__files (
            file VARCHAR NOT NULL, kind VARCHAR NOT NULL, sha256 VARCHAR, status VARCHAR NOT NULL,
            rows_read BIGINT NOT NULL, rows_loaded BIGINT NOT NULL, rows_quarantined BIGINT NOT NULL,
            message VARCHAR, loaded_at TIMESTAMPTZ NOT NULL)"""
    )


def _previous_loaded_at(con: duckdb.DuckDBPyConnection, kind: SourceKind) -> dict[tuple[str, str], dt.datetime]:
    # the previous publication when the build has it attached (each build writes a new file), else this database
    found = con.execute(
        "SELECT database_name FROM duckdb_tables() WHERE schema_name = 'raw' AND table_name = ? "
        "ORDER BY database_name = 'previous' DESC LIMIT 1", [f"{kind.name}__files"]
    ).fetchall()
    if not found:
        return {}
    rows = con.execute(
        f'SELECT file, sha256, loaded_at FROM "{found[0][0]}".raw.{kind.name}__files WHERE sha256 IS NOT NULL')
    return {(f, s): t for f, s, t in rows.fetchall()}


def load_kind(con: duckdb.DuckDBPyConnection, kind: SourceKind, landing: Path, key: bytes) -> list[FileReport]:
    """Reload every file of `kind` from the landing folder; returns one report per file."""
    previous = _previous_loaded_at(con, kind)
    _create_tables(con, kind)
    ipad, opad = hmac_pads(key)
    now = dt.datetime.now(dt.UTC)
    reports: list[FileReport] = []
    loaded_hashes: dict[str, str] = {}
    for path in landing_files(landing, kind):
        shown = path.relative_to(landing).as_posix()
        try:
            report = _load_file(con, kind, path, shown, ipad, opad, loaded_hashes)
        except FileRejected as err:
            report = FileReport(shown, kind.name, None, "rejected", message=str(err))
        if report.status == "loaded":
            loaded_hashes[report.sha256] = shown
        con.execute(
            f"INSERT INTO raw.{kind.name}__files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                report.file, kind.name, report.sha256, report.status, report.rows_read, report.rows_loaded,
                report.rows_quarantined, report.message, previous.get((shown, report.sha256), now),
            ],
        )
        reports.append(report)
    return reports


def _load_file(
    con: duckdb.DuckDBPyConnection,
    kind: SourceKind,
    path: Path,
    shown: str,
    ipad: bytes,
    opad: bytes,
    loaded_hashes: dict[str, str],
) -> FileReport:
    result = read_into_incoming(con, path, kind, shown)
    if result.sha256 in loaded_hashes:
        raise FileRejected(f"{shown}: same content as {loaded_hashes[result.sha256]}, which is already loaded")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _normalised AS {normalise_select(kind, '_incoming')}")
    bad_column, bad_reason = violation_case(kind)
    pseudonymised = any(c.type is STUDENT_ID for c in kind.stored_columns)
    # the pseudonym is computed once per row, for the stored row and the quarantined one alike
    student_key = (
        f"{student_key_sql('n.university_code', 'n.student_id')} AS student_key," if pseudonymised else ""
    )
    raw_fields = ", ".join(
        '"student_key" := student_key' if c.type is STUDENT_ID else f'"{c.name}" := mask_personal(nfkc(r."{c.name}"))'
        for c in kind.stored_columns
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _checked AS
        SELECT n.*, {student_key} {bad_column} AS bad_column, mask_personal({bad_reason}) AS bad_reason,
               to_json(struct_pack({raw_fields})) AS raw_row
        FROM _incoming r JOIN _normalised n USING (source_row) CROSS JOIN _lookups lk
        """,
        {"ipad": ipad, "opad": opad} if pseudonymised else None,
    )
    stored = ", ".join("student_key" if c.type is STUDENT_ID else f'"{c.name}"' for c in kind.stored_columns)
    con.execute(
        f"INSERT INTO raw.{kind.name} SELECT $file, source_row, {stored} FROM _checked WHERE bad_column IS NULL",
        {"file": shown},
    )
    con.execute(
        f"""INSERT INTO raw.{kind.name}__quarantine
            SELECT $file, $kind, source_row, bad_column, bad_reason, raw_row FROM _checked
            WHERE bad_column IS NOT NULL""",
        {"file": shown, "kind": kind.name},
    )
    carries_personal_data = any(c.personal or c.type is STUDENT_ID for c in kind.columns)
    for reject in result.structural_rejects:
        # A line that could not be split cannot be cleaned of personal fields, so for files that carry
        # them it is not kept; elsewhere it is kept with ID- and phone-shaped values masked.
        con.execute(
            f"""INSERT INTO raw.{kind.name}__quarantine VALUES ($file, $kind, $row, NULL, $reason,
                CASE WHEN $keep THEN to_json({{'line': mask_personal(nfkc($line))}}) END)""",
            {"file": shown, "kind": kind.name, "row": reject.source_row, "reason": reject.reason,
             "keep": not carries_personal_data, "line": reject.raw_line},
        )
    loaded, quarantined = con.execute(
        "SELECT count(*) FILTER (WHERE bad_column IS NULL), count(*) FILTER (WHERE bad_column IS NOT NULL) "
        "FROM _checked"
    ).fetchone()
    quarantined += len(result.structural_rejects)
    notes = result.notes + ([f"ignored unknown column(s): {', '.join(result.unknown_headers)}"]
                            if result.unknown_headers else [])
    message = "; ".join(notes)
    for table in ("_incoming", "_normalised", "_checked"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return FileReport(
        shown, kind.name, result.sha256, "loaded", result.rows + len(result.structural_rejects), loaded,
        quarantined, message,
    )
