"""What a publication says about itself: `audit.build`, `audit.build_inputs` and `audit.checks`, written into
each build just before it is published, and the summary `portal status` prints and Dagster shows.

- `audit.build`        one row: the build's id, when it started and was published, from which landing folder,
                       which build it replaced, its totals, the fingerprint of the pseudonymisation key (never
                       the key) and whether its file was written fresh (warehouse/publication.py);
- `audit.build_inputs` every landing file the build saw (by the name the loaders store: personal values
                       masked): size and modification time when the build started, and the content hash of
                       what was read (the landing-folder sensor compares against it);
- `audit.checks`       every asset check of the build and whether it passed.
"""

from __future__ import annotations

import datetime as dt
import stat
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from sources.kinds import KINDS
from sources.landing_folder import LandingFile, printable
from sources.pseudonymise import mask_personal_text
from sources.reading import file_sha256

#: the tables record_build writes
RECORD_TABLES = ("audit.build", "audit.build_inputs", "audit.checks")


@dataclass
class CheckRecord:
    asset: str
    check_name: str
    passed: bool
    description: str
    detail: str


def record_build(
    con: duckdb.DuckDBPyConnection,
    *,
    build_id: str,
    started_at: dt.datetime,
    landing: Path,
    landing_files: list[LandingFile],
    previous_build_id: str | None,
    checks: list[CheckRecord],
    key_fingerprint: str | None = None,
    written_fresh: bool = False,
) -> None:
    """Write audit.build, audit.build_inputs and audit.checks into the build database."""
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    con.execute(
        """CREATE OR REPLACE TABLE audit.checks (
            asset VARCHAR NOT NULL, check_name VARCHAR NOT NULL, passed BOOLEAN NOT NULL,
            description VARCHAR, detail VARCHAR)"""
    )
    if checks:
        con.executemany(
            "INSERT INTO audit.checks VALUES (?, ?, ?, ?, ?)",
            [(c.asset, c.check_name, c.passed, c.description, c.detail) for c in sorted(
                checks, key=lambda c: (c.asset, c.check_name))],
        )
    files_tables = " UNION ALL ".join(f"SELECT file, sha256 FROM raw.{k}__files" for k in KINDS)
    hashes = dict(con.execute(f"SELECT file, sha256 FROM ({files_tables}) WHERE sha256 IS NOT NULL").fetchall())
    inputs = []
    for landing_file in sorted(landing_files, key=lambda f: f.name):
        size, mtime_ns = landing_file.size, landing_file.mtime_ns
        sha = hashes.get(landing_file.stored_name)
        if sha is None and not landing_file.refused:  # (a refused file, a link say, is never opened)
            # files no loader hashed (the reference supplement, rejected files): hash them now, if unchanged
            path = landing_file.path
            try:
                st = path.lstat()
                if stat.S_ISREG(st.st_mode) and (st.st_size, st.st_mtime_ns) == (size, mtime_ns):
                    sha = file_sha256(path)
            except FileNotFoundError:
                pass
        inputs.append((landing_file.stored_name, size, mtime_ns, sha))
    con.execute(
        """CREATE OR REPLACE TABLE audit.build_inputs (
            file VARCHAR NOT NULL, size_bytes BIGINT NOT NULL, modified_ns BIGINT NOT NULL, sha256 VARCHAR)"""
    )
    if inputs:
        con.executemany("INSERT INTO audit.build_inputs VALUES (?, ?, ?, ?)", inputs)
    con.execute(
        """
        CREATE OR REPLACE TABLE audit.build AS
        SELECT $build_id::VARCHAR AS build_id,
               $started_at::TIMESTAMPTZ AS started_at,
               $published_at::TIMESTAMPTZ AS published_at,
               $landing::VARCHAR AS landing_dir,
               $previous::VARCHAR AS previous_build_id,
               (SELECT count(*) FROM audit.load_log) AS files_loaded,
               (SELECT count(*) FROM audit.rejected_files) AS files_rejected,
               (SELECT coalesce(sum(rows_read), 0) FROM audit.load_log)::BIGINT AS rows_read,
               (SELECT coalesce(sum(rows_loaded), 0) FROM audit.load_log)::BIGINT AS rows_loaded,
               (SELECT coalesce(sum(rows_quarantined), 0) FROM audit.load_log)::BIGINT AS rows_quarantined,
               (SELECT count(*) FILTER (WHERE passed) FROM audit.checks) AS checks_passed,
               (SELECT count(*) FILTER (WHERE NOT passed) FROM audit.checks) AS checks_failed,
               $key_fingerprint::VARCHAR AS key_fingerprint,
               $written_fresh::BOOLEAN AS written_fresh
        """,
        {
            "build_id": build_id, "started_at": started_at, "published_at": dt.datetime.now(dt.UTC),
            "landing": mask_personal_text(str(landing)), "previous": previous_build_id,
            "key_fingerprint": key_fingerprint, "written_fresh": written_fresh,
        },
    )


# --- reading a publication back ----------------------------------------------------------------------
@dataclass
class Status:
    build: dict[str, object] | None
    files_by_kind: list[tuple[str, int, int]] = field(default_factory=list)  # kind, loaded, rejected
    row_counts: list[tuple[str, int]] = field(default_factory=list)  # table, rows
    checks: list[tuple[str, str, bool, str | None]] = field(default_factory=list)  # asset, check, passed, detail
    quarantine_by_file: list[tuple[str, int, int]] = field(default_factory=list)  # file, quarantined, read
    rejected_files: list[tuple[str, str]] = field(default_factory=list)  # file, reason


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {f"{s}.{t}" for s, t in con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
    ).fetchall()}


def read_status(con: duckdb.DuckDBPyConnection) -> Status:
    """The facts a publication records about itself (works on publications made before audit.build existed)."""
    tables = _tables(con)
    build = None
    if "audit.build" in tables:
        cursor = con.execute("SELECT * FROM audit.build")
        row = cursor.fetchone()
        if row is not None:
            build = dict(zip([d[0] for d in cursor.description], row, strict=True))
    status = Status(build)
    if "audit.load_log" in tables and "audit.rejected_files" in tables:
        status.files_by_kind = con.execute(
            """SELECT kind, count(*) FILTER (WHERE loaded), count(*) FILTER (WHERE NOT loaded) FROM (
                   SELECT kind, true AS loaded FROM audit.load_log
                   UNION ALL SELECT kind, false FROM audit.rejected_files)
               GROUP BY kind ORDER BY kind"""
        ).fetchall()
        status.quarantine_by_file = con.execute(
            "SELECT file, rows_quarantined, rows_read FROM audit.load_log WHERE rows_quarantined > 0 ORDER BY file"
        ).fetchall()
        status.rejected_files = con.execute("SELECT file, reason FROM audit.rejected_files ORDER BY file").fetchall()
    if "audit.checks" in tables:
        status.checks = con.execute(
            "SELECT asset, check_name, passed, detail FROM audit.checks ORDER BY asset, check_name").fetchall()
    shown = sorted(t for t in tables if t.split(".")[0] in ("raw", "dims", "facts", "marts")
                   and not t.endswith(("__files", "__quarantine")))
    status.row_counts = [(t, con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in shown]
    return status


def status_lines(status: Status) -> list[str]:
    """`portal status`, one fact per line, escaped (sources/landing_folder.py, printable)."""
    lines: list[str] = []
    b = status.build
    if b is None:
        lines.append("build: unknown (published before builds recorded themselves in audit.build)")
    else:
        lines.append(f"build {b['build_id']}: published {format_time(b['published_at'])} "
                     f"(started {format_time(b['started_at'])}) from {b['landing_dir']}")
        if b.get("previous_build_id"):
            lines.append(f"replaced build {b['previous_build_id']}")
        lines.append(f"rows: read {b['rows_read']}, loaded {b['rows_loaded']}, quarantined {b['rows_quarantined']}")
        if b.get("key_fingerprint"):
            lines.append(f"pseudonymisation key: fingerprint {b['key_fingerprint']}")
        if b.get("written_fresh") is not None:
            lines.append("file: written fresh (rows removed by this build are not in it)" if b["written_fresh"]
                         else "file: the build's copy of the publication before it (no rows removed)")
    lines.append("sources:")
    lines += [f"  {kind}: {loaded} file(s) loaded, {rejected} rejected" for kind, loaded, rejected in status.files_by_kind]
    lines.append("tables:")
    lines += [f"  {table}: {rows} rows" for table, rows in status.row_counts]
    passed = sum(1 for c in status.checks if c[2])
    lines.append(f"checks: {passed} of {len(status.checks)} passed")
    lines += [f"  {asset}:{name}: {'passed' if ok else 'FAILED'}" + ("" if ok or not detail else f" ({detail})")
              for asset, name, ok, detail in status.checks]
    lines.append(f"quarantined rows by file: {len(status.quarantine_by_file)} file(s) with quarantined rows")
    lines += [f"  {file}: {q} of {read} rows" for file, q, read in status.quarantine_by_file]
    if status.rejected_files:
        lines.append(f"rejected files: {len(status.rejected_files)}")
        lines += [f"  {file}: {reason}" for file, reason in status.rejected_files]
    # file names, the landing folder's among them, may hold a newline or a terminal code
    return [printable(line) for line in lines]


def format_time(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return str(value)
