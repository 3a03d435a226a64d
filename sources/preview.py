"""What a build would make of one file, before it is in the landing folder: the portal's Submit page shows it.

The file is loaded by the loader itself (`load_kind`, the same rules, readers and scope rule as a build) into a
throw-away DuckDB file with the reference lists, from a throw-away landing folder that holds only this file,
under the submissions folder it will be written to, so the submitter's scope applies as it will in the build.
Placements are checked against the internship bases of the published warehouse: each kind another kind's rules
look at (`kinds_read_by_rules`, as the loader finds them) is copied from it, its rows and its file list (which
the loader's fingerprint reads). Students' numbers are pseudonymised with a random key that dies with the
preview: nothing of it is kept.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from sources.kinds import KINDS
from sources.loading import FileReport, files_table_ddl, kinds_read_by_rules, load_kind
from sources.reference_data import REFERENCE_TABLES, load_reference_table, prepare_lookups
from sources.schema import SourceKind, raw_table_ddl

#: quarantined rows a preview lists (the counts are always whole)
PREVIEW_ROWS = 500


@dataclass
class Preview:
    report: FileReport
    #: (row as a spreadsheet shows it, column, reason, the row as written) of quarantined rows, in row order
    quarantined: list[tuple[int, str | None, str, dict]] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return self.report.status != "loaded"


def preview_file(data: bytes, name: str, kind: str, folder: str, landing: Path,
                 open_database: Callable[[Path], AbstractContextManager[duckdb.DuckDBPyConnection]],
                 published: Path | None = None) -> Preview:
    """Load `data`, to be written as `<landing>/<folder>/<name>` (`folder` from
    landing_folder.submission_folder), into a throw-away database, and say what the build would do with it.
    `open_database` opens a build database as a build does (warehouse.connection.writer: data flows from
    sources to the warehouse, so the caller hands it in)."""
    source = KINDS[kind]
    with tempfile.TemporaryDirectory(prefix="portal-preview-") as tmp:
        scratch = Path(tmp) / "landing"
        path = scratch / folder / name
        path.parent.mkdir(parents=True)
        path.write_bytes(data)
        with open_database(Path(tmp) / "preview.duckdb") as con:
            for table in REFERENCE_TABLES:  # the real landing folder's university supplement counts
                load_reference_table(con, table, landing)
            prepare_lookups(con)
            con.execute("CREATE SCHEMA IF NOT EXISTS raw")
            for other in kinds_read_by_rules(source):
                _copy_published(con, published, KINDS[other])
            [report] = [r for r in load_kind(con, source, scratch, secrets.token_bytes(32)) if r.status != "removed"]
            rows = con.execute(
                f"SELECT source_row, column_name, reason, raw_row FROM raw.{kind}__quarantine "
                "ORDER BY source_row LIMIT ?", [PREVIEW_ROWS]).fetchall()
    quarantined = [(row, column, reason, json.loads(raw) if raw else {}) for row, column, reason, raw in rows]
    return Preview(report, quarantined)


def _copy_published(con: duckdb.DuckDBPyConnection, published: Path | None, kind: SourceKind) -> None:
    """raw.<kind> and raw.<kind>__files of the published warehouse (empty with none): the rows another kind's
    rules look at, and the list of their files, which the loader's fingerprint of that other kind reads."""
    con.execute(raw_table_ddl(kind))
    con.execute(files_table_ddl(kind))
    if published is None or not published.is_file():
        return
    con.execute("ATTACH ? AS published (READ_ONLY)", [str(published)])
    try:
        for table in (kind.name, f"{kind.name}__files"):
            try:
                con.execute(f"INSERT INTO raw.{table} BY NAME SELECT * FROM published.raw.{table}")
            except duckdb.Error:  # a publication without the table (or of another shape): nothing to check against
                pass
    finally:
        con.execute("DETACH published")
