"""Loading every file of one source kind: read, normalise, validate, quarantine, pseudonymise.

For a kind `k` this writes three tables, all owned by the Dagster asset raw/k:
- `raw.k`              the rows that passed every rule, normalised and typed;
- `raw.k__quarantine`  the rows that did not: file, row, column, reason and the row as written (JSON);
- `raw.k__files`       one row per file: loaded (with its counts), rejected whole (with the reason), or
                       removed (in the previous publication, gone from the landing folder now).
For every loaded file rows_read = rows_loaded + rows_quarantined.

The landing folder is the source of truth and a file is identified by its content (sha256). A build reads
only what it has not loaded before. It starts as a copy of the publication (warehouse/publication.py,
start_build), so the database already holds the previous build's rows: a file whose content and *loader
fingerprint* (the normalisation code, the reference lists, the pseudonymisation key and, for kinds whose rules
look at another kind, that kind's files) match a file loaded before keeps its rows where they are, under its
current name, and nothing of it is read or copied. The rows of every other earlier file are deleted. So a
changed file (same name, new content) replaces the old one's rows, a deleted file's rows leave, and a renamed
identical file is loaded once. `change` in raw.k__files says which: new, unchanged, changed, renamed from X,
reloaded (same content, but the rules or reference lists changed). Building twice from the same files gives
the same tables; `loaded_at` is when this exact content was first loaded, carried over.

Hashing every file on every build would read the whole landing folder each time (benchmarks/RESULTS.md). So
each file's *stat signature* is recorded with its sha256 (meta.file_signatures, the build's bookkeeping): a
file whose signature is the one recorded when it was last hashed has not been written since, and keeps its
sha256 without being read (as git's index and rsync trust a file's stat).
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import hashlib
import hmac
import io
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow

from sources.catalog import column_types
from sources.landing_folder import LandingFile, file_unreadable, kind_files, printable, submission_scope
from sources.pseudonymise import hmac_pads, mask_personal_text, personal_data_macros_sql, student_key_sql
from sources.reading import FileRejected, PreparedFile, file_sha256, prepare_file, read_prepared
from sources.reference_data import MODEL_ONLY_TABLES, REFERENCE_TABLES, prepare_lookups
from sources.schema import (
    STUDENT_ID,
    SUBMISSION_SCOPE_VARIABLE,
    SourceKind,
    checked_select,
    duplicates_sql,
    raw_table_ddl,
    violation_sql,
)

if TYPE_CHECKING:
    from sources import reading

#: files of a kind loaded side by side (each holds its rows in temp tables while it loads)
LOADERS = 2
#: the code that decides what a file's rows become: any edit to it makes every file be read again
LOADER_CODE = sorted(Path(__file__).resolve().parent.glob("*.py")) + [Path(__file__).resolve().parent / "macros.sql"]

NEW, UNCHANGED, CHANGED, RELOADED = "new", "unchanged", "changed", "reloaded"

_log = logging.getLogger(__name__)
#: errors that are the build's, not the file's being loaded: they stop the build (a full disk, say, would
#: otherwise reject every file and publish a warehouse without their rows)
_BUILD_ERRORS = (KeyboardInterrupt, SystemExit, GeneratorExit, duckdb.IOException, duckdb.ConnectionException,
                 duckdb.FatalException, duckdb.InterruptException, duckdb.TransactionException)
_SYSTEM_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EMFILE, errno.ENFILE, errno.EROFS}


@dataclass
class FileReport:
    file: str
    kind: str
    sha256: str | None
    status: str  # loaded | rejected | removed
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""
    change: str = NEW  # new | unchanged | changed | renamed from X | reloaded | removed

    def __post_init__(self) -> None:
        # what the build stores and prints about a file: a message may quote a sheet name, a header cell or a
        # path, which may hold a personal value (the file's own name is masked where names are made)
        self.file = mask_personal_text(self.file)
        self.message = mask_personal_text(self.message or "")

    @property
    def reused(self) -> bool:
        return self.change == UNCHANGED or self.change.startswith(("renamed from ", "same content as the previous "))

    def line(self) -> str:
        """The one line `portal build` prints (and the run logs) for this file, escaped (landing_folder.printable):
        a name or a message may hold a newline or a terminal code that would forge or hide a line."""
        return printable(self._text())

    def _text(self) -> str:
        if self.status == "removed":
            return f"{self.file}: REMOVED from the landing folder: its {self.rows_loaded} row(s) left the warehouse"
        if self.status == "loaded":
            text = (
                f"{self.file}: read {self.rows_read}, loaded {self.rows_loaded}, "
                f"quarantined {self.rows_quarantined}"
            )
            notes = [self.message] if self.message else []
            if self.change != NEW:
                notes.append(f"{self.change}, rows reused from the previous publication" if self.reused
                             else self.change)
            return text + (f" ({'; '.join(notes)})" if notes else "")
        return f"{self.file}: REJECTED: {self.message}"


@dataclass(frozen=True)
class _PreviousFile:
    file: str
    sha256: str | None
    status: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    message: str | None
    loaded_at: dt.datetime
    fingerprint: str | None


FILES_COLUMNS = (
    "file VARCHAR NOT NULL, kind VARCHAR NOT NULL, sha256 VARCHAR, status VARCHAR NOT NULL, "
    "rows_read BIGINT NOT NULL, rows_loaded BIGINT NOT NULL, rows_quarantined BIGINT NOT NULL, "
    "message VARCHAR, loaded_at TIMESTAMPTZ NOT NULL, change VARCHAR NOT NULL, loader_fingerprint VARCHAR"
)
#: landing file → its sha256 and its stat signature when it was hashed (the meta schema holds a build's
#: bookkeeping, which two builds from the same files may record differently)
SIGNATURES_TABLE = "meta.file_signatures"

#: a file written less than this long before it was hashed may be written again within the same tick of the
#: file system's clock, leaving its times as they were (git's "racy" entries): its stat then proves nothing
SETTLED_NS = 2_000_000_000


def stat_signature(path: Path) -> int | None:
    """A 64-bit signature of what the file system says about a file: device, inode, size, modification and
    change time. Writing the file changes it (the change time cannot be set back, unlike the modification
    time), so an equal signature means the same bytes. None for a file written too recently to tell."""
    st = path.stat()
    if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) < SETTLED_NS:
        return None
    text = f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)


def prepare_shared_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The schema and the bookkeeping table that every kind's load writes into. Kinds loading side by side
    (pipelines/defs/assets.py) need them made first: two connections creating one table at once conflict."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS raw; CREATE SCHEMA IF NOT EXISTS meta; "
                f"CREATE TABLE IF NOT EXISTS {SIGNATURES_TABLE} ("
                "file VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, stat_signature BIGINT NOT NULL)")


def _hash_files(con: duckdb.DuckDBPyConnection, files: list[LandingFile]
                ) -> tuple[list[tuple[Path, str, str]], dict[tuple[str, str], int]]:
    """(path, stored name, sha256) of each file, and the stat signature of each (name, sha256) that can be
    recorded. A file whose signature is the one recorded with its name keeps that record's sha256 unread."""
    prepare_shared_tables(con)
    # a file is known by its name in the landing folder, with any personal value in it masked
    paths, names = [f.path for f in files], [f.stored_name for f in files]
    known = {(file, signature): sha for file, sha, signature in con.execute(
        f"SELECT file, sha256, stat_signature FROM {SIGNATURES_TABLE} WHERE file IN (SELECT unnest(?::VARCHAR[]))",
        [names]).fetchall()}
    current, signatures = [], {}
    for path, name in zip(paths, names):
        signature = stat_signature(path)
        sha = known.get((name, signature)) if signature is not None else None
        if sha is None:
            try:
                sha = file_sha256(path)
            except OSError as err:  # listed, but not readable: rejected, its rows would leave the warehouse
                raise file_unreadable(name, err) from None
            if signature is not None and stat_signature(path) != signature:
                signature = None  # written while it was read: the hash may be of neither version
        if signature is not None:
            signatures[(name, sha)] = signature
        current.append((path, name, sha))
    return current, signatures


def _create_tables(con: duckdb.DuckDBPyConnection, kind: SourceKind) -> None:
    """The kind's row tables, new and empty (raw.k__files is written at the end of each load)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(raw_table_ddl(kind))
    con.execute(
        f"""CREATE OR REPLACE TABLE raw.{kind.name}__quarantine (
            file VARCHAR NOT NULL, kind VARCHAR NOT NULL, source_row INTEGER NOT NULL,
            column_name VARCHAR, reason VARCHAR NOT NULL, raw_row JSON)"""
    )


def files_table_ddl(kind: SourceKind) -> str:
    """raw.<kind>__files, new and empty: the file list a load writes, and loader_fingerprint reads of the kinds
    another kind's rules look at."""
    return f"CREATE OR REPLACE TABLE raw.{kind.name}__files ({FILES_COLUMNS})"


# --- what a file's rows depend on besides its bytes ------------------------------------------------
def kinds_read_by_rules(kind: SourceKind) -> list[str]:
    """Other source kinds whose loaded rows this kind's rules look at (placements: bases)."""
    found = {m for rule in kind.row_rules for m in re.findall(r"\braw\.([a-z_]+)\b", rule.bad + rule.reason)}
    return sorted(found - {kind.name})


def loader_fingerprint(con: duckdb.DuckDBPyConnection, kind: SourceKind, key: bytes) -> str:
    """A hash of everything besides a file's bytes that decides its rows: equal fingerprints, equal rows."""
    digest = hashlib.sha256()
    for path in LOADER_CODE:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(f"duckdb {duckdb.__version__} pyarrow {pyarrow.__version__} "
                  f"unicode {unicodedata.unidata_version}\0".encode())
    for table in REFERENCE_TABLES:  # as loaded, so the landing folder's university supplement counts
        if table in MODEL_ONLY_TABLES:
            continue
        [(table_hash,)] = con.execute(
            f"SELECT sha256(coalesce(string_agg(t::VARCHAR, chr(10) ORDER BY t::VARCHAR), '')) "
            f"FROM reference.{table} t"
        ).fetchall()
        digest.update(f"{table} {table_hash}\0".encode())
    # The key itself must not be stored. Its HMAC over a constant reveals no more than the student
    # pseudonyms the warehouse already holds (both are HMACs under the same key).
    digest.update(hmac.new(key, b"portal loader fingerprint", hashlib.sha256).digest())
    for other in kinds_read_by_rules(kind):
        [(hashes,)] = con.execute(
            f"SELECT coalesce(string_agg(sha256, ',' ORDER BY sha256), '') FROM raw.{other}__files "
            "WHERE status = 'loaded'"
        ).fetchall()
        digest.update(f"{other} {hashes}\0".encode())
    return digest.hexdigest()


# --- what the database held before this load ------------------------------------------------------------
def _table_columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return set(column_types(con, f"raw.{table}") or ())


def _files_before(con: duckdb.DuckDBPyConnection, kind: SourceKind) -> list[_PreviousFile]:
    """The files this database held before this load (the previous build's, as copied), if it can reuse them."""
    if "loader_fingerprint" not in _table_columns(con, f"{kind.name}__files"):
        return []  # none, or built before files were tracked by content: nothing to reuse
    rows = con.execute(
        f"""SELECT file, sha256, status, rows_read, rows_loaded, rows_quarantined, message, loaded_at,
                   loader_fingerprint
            FROM raw.{kind.name}__files WHERE status <> 'removed' ORDER BY file"""
    ).fetchall()
    return [_PreviousFile(*row) for row in rows]


# --- loading a kind ------------------------------------------------------------------------------------
@cache
def source_macros_sql() -> str:
    """The macros the loaders' SQL calls (sources/macros.sql and the personal-data ones): TEMP macros, which
    are each connection's own, so every connection that loads makes them (the file is read once)."""
    return (Path(__file__).resolve().parent / "macros.sql").read_text(encoding="utf-8") + "\n" + \
        personal_data_macros_sql()


@contextmanager
def connection_per_thread(
    open_connection: Callable[[], duckdb.DuckDBPyConnection],
) -> Iterator[Callable[[], duckdb.DuckDBPyConnection]]:
    """A function that returns the calling thread's own connection, opened by `open_connection` on the thread's
    first call; every one opened is closed on the way out (leave the threads' pool first)."""
    local, opened = threading.local(), []

    def connection() -> duckdb.DuckDBPyConnection:
        if not hasattr(local, "connection"):
            local.connection = open_connection()
            opened.append(local.connection)
        return local.connection

    try:
        yield connection
    finally:
        for each in opened:
            each.close()


def loader_connection(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Another connection to the database of `con` (a build's writer, warehouse/connection.py), set up as that
    one is for loading: the macros and the look-up maps are made again (the nfkc function, registered from
    Python, is the database's). Close it when done."""
    cursor = con.cursor()
    try:
        cursor.execute(source_macros_sql())
        prepare_lookups(cursor)
    except BaseException:
        cursor.close()
        raise
    return cursor


def load_kind(con: duckdb.DuckDBPyConnection, kind: SourceKind, landing: Path, key: bytes) -> list[FileReport]:
    """Load every file of `kind` from the landing folder, keeping the rows this database already holds of
    files that are unchanged; returns one report per file, removed files included."""
    fingerprint = loader_fingerprint(con, kind, key)
    now = dt.datetime.now(dt.UTC)
    listed = kind_files(landing, kind.name)
    # (a refused file, a link say, is never opened: it is reported with the reason, and its name holds no rows)
    refused = {f.stored_name: f.refused for f in listed if f.refused}
    current, signatures = _hash_files(con, [f for f in listed if not f.refused])
    before = _files_before(con, kind)
    has_rows = {kind.name, f"{kind.name}__quarantine"} <= {
        r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                                  "AND schema_name = 'raw'").fetchall()}
    # rows can be kept only if they were loaded by exactly this code with these reference lists (then the
    # tables have the shape this code creates, too)
    reusable = {p.sha256: p for p in before if has_rows and p.status == "loaded" and p.fingerprint == fingerprint}
    owner = _owners(current, before)
    reuse = _reused(current, owner, reusable)
    if reuse:
        _keep_only(con, kind, reuse)
    else:
        _create_tables(con, kind)
    reports, loaded_at = _load_files(con, kind, current, refused, before, owner, reusable, reuse, key, now)
    con.execute(files_table_ddl(kind))
    for report in reports:
        con.execute(
            f"INSERT INTO raw.{kind.name}__files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                report.file, kind.name, report.sha256, report.status, report.rows_read, report.rows_loaded,
                report.rows_quarantined, report.message, loaded_at.get(report.file, now), report.change,
                fingerprint if report.status == "loaded" else None,
            ],
        )
    # (a file that changed between its hash and its read reports another sha256: its signature is not kept)
    kept = [(r.file, r.sha256, signatures[(r.file, r.sha256)]) for r in reports
            if r.status != "removed" and (r.file, r.sha256) in signatures]
    con.execute(f"DELETE FROM {SIGNATURES_TABLE} WHERE starts_with(file, ?)", [f"{kind.name}/"])
    if kept:
        con.executemany(f"INSERT INTO {SIGNATURES_TABLE} VALUES (?, ?, ?)", kept)
    return reports


def _owners(current: list[tuple[Path, str, str]], before: list[_PreviousFile]) -> dict[str, str]:
    """sha256 → the one file of that content that is loaded: the one that was loaded under its name before,
    else the first by name. The others are rejected as copies."""
    previous_by_name = {p.file: p for p in before}
    owner: dict[str, str] = {}
    for _, name, sha in current:
        owner.setdefault(sha, name)
    for _, name, sha in current:
        kept = previous_by_name.get(name)
        if kept is not None and kept.sha256 == sha and kept.status == "loaded":
            owner[sha] = name
    return owner


def _reused(
    current: list[tuple[Path, str, str]], owner: dict[str, str], reusable: dict[str, _PreviousFile]
) -> dict[str, str]:
    """{name the rows are held under now: the current file's name} of every file whose rows are kept."""
    reuse: dict[str, str] = {}
    for _, name, sha in sorted(current, key=lambda f: f[1]):
        old = reusable.get(sha)
        if owner[sha] == name and old is not None and old.file not in reuse:
            reuse[old.file] = name
    return reuse


def _keep_only(con: duckdb.DuckDBPyConnection, kind: SourceKind, reuse: dict[str, str]) -> None:
    """Delete the rows of every file not kept, and give kept rows their file's current name."""
    con.execute("CREATE OR REPLACE TEMP TABLE _reuse (old_file VARCHAR, new_file VARCHAR)")
    con.executemany("INSERT INTO _reuse VALUES (?, ?)", list(reuse.items()))
    for table, file_column in ((kind.name, "source_file"), (f"{kind.name}__quarantine", "file")):
        con.execute(f"DELETE FROM raw.{table} WHERE {file_column} NOT IN (SELECT old_file FROM _reuse)")
        if any(old != new for old, new in reuse.items()):
            con.execute(
                f"""UPDATE raw.{table} SET {file_column} = m.new_file FROM _reuse m
                    WHERE raw.{table}.{file_column} = m.old_file AND m.old_file <> m.new_file"""
            )
    con.execute("DROP TABLE _reuse")


def _load_files(
    con: duckdb.DuckDBPyConnection,
    kind: SourceKind,
    current: list[tuple[Path, str, str]],
    refused: dict[str, str],
    before: list[_PreviousFile],
    owner: dict[str, str],
    reusable: dict[str, _PreviousFile],
    reuse: dict[str, str],
    key: bytes,
    now: dt.datetime,
) -> tuple[list[FileReport], dict[str, dt.datetime]]:
    """Report on each file (kept, read, copy of another, refused, removed) and read the ones that must be read.

    Returns the reports (sorted by file) and each file's loaded_at."""
    previous_by_name = {p.file: p for p in before}
    first_seen = {(p.file, p.sha256): p.loaded_at for p in before if p.sha256}
    first_seen_by_hash = {p.sha256: p.loaded_at for p in before if p.sha256 and p.status == "loaded"}
    names_now = {name for _, name, _ in current} | set(refused)
    kept_as = {new: old for old, new in reuse.items()}
    ipad, opad = hmac_pads(key)
    reports: dict[str, FileReport] = {}
    loaded_at: dict[str, dt.datetime] = {}
    owners_first = sorted(current, key=lambda f: (owner[f[2]] != f[1], f[1]))
    # Files are read LOADERS at a time, each on a connection of its own: DuckDB runs a statement over fewer rows
    # than a row group (122,880) on one thread, so files of that size, loaded one at a time, kept one of two
    # cores idle; and one file's Python part (decoding, checks, XLSX cells) overlaps the other's DuckDB work,
    # which releases the GIL. Reports are taken in file order, so what a file is told does not depend on timing.
    # (Rows of files loaded side by side interleave in raw.<kind>: the models that pick one row of several order
    # them by file and row.)
    loaded_content: dict[str, str] = {}  # sha256 → the file of that content that loaded
    with (connection_per_thread(lambda: loader_connection(con)) as connection,
          ThreadPoolExecutor(max_workers=LOADERS, thread_name_prefix="portal-load") as pool):

        def load(path: Path, name: str, sha: str) -> FileReport:
            try:
                return _load_file(connection(), kind, prepare_file(path, kind, name), ipad, opad)
            except FileRejected as err:
                return FileReport(name, kind.name, sha, "rejected", message=str(err))
            except BaseException as err:
                if not _fault_of_the_file(err):
                    raise
                # whatever one file does to the reader, the others load: it is rejected, and none of its rows kept
                _log.warning("%s: rejected after an unexpected error", name, exc_info=True)
                _forget_rows(connection(), kind, name)
                return FileReport(name, kind.name, sha, "rejected", message=_unexpected(name, err))

        loading = {name: pool.submit(load, path, name, sha) for path, name, sha in owners_first
                   if owner[sha] == name and name not in kept_as}
        try:
            for path, name, sha in owners_first:
                loaded_at[name] = first_seen.get((name, sha)) or first_seen_by_hash.get(sha) or now
                if owner[sha] != name and sha in loaded_content:
                    # (the owner may itself have been rejected, say as an XLSX that is not one: then the first
                    # copy that loaded is the one that counts)
                    reports[name] = FileReport(
                        name, kind.name, sha, "rejected",
                        message=f"{name}: same content as {loaded_content[sha]}, which is already loaded")
                    continue
                if name in kept_as:
                    old = reusable[sha]
                    if old.file == name:
                        change = UNCHANGED
                    elif old.file in names_now:  # the old name now holds new content; this is its earlier one
                        change = f"same content as the previous {old.file}"
                    else:
                        change = f"renamed from {old.file}"
                    reports[name] = FileReport(name, kind.name, sha, "loaded", old.rows_read, old.rows_loaded,
                                               old.rows_quarantined, old.message or "", change)
                else:
                    earlier = previous_by_name.get(name)
                    report = loading.pop(name).result() if name in loading else load(path, name, sha)
                    report.change = NEW if earlier is None else (RELOADED if earlier.sha256 == sha else CHANGED)
                    reports[name] = report
                if reports[name].status == "loaded":
                    loaded_content.setdefault(sha, name)
        finally:
            for future in loading.values():  # the load stopped: the files not started are not read
                future.cancel()
    for name, reason in refused.items():
        earlier = previous_by_name.get(name)
        refused_before = earlier is not None and earlier.sha256 is None
        reports[name] = FileReport(name, kind.name, None, "rejected", message=f"{name}: {reason}",
                                   change=NEW if earlier is None else UNCHANGED if refused_before else CHANGED)
        loaded_at[name] = earlier.loaded_at if refused_before else now
    renamed_from = set(reuse) - names_now
    for p in before:
        if p.file not in names_now and p.file not in renamed_from:
            reports[p.file] = FileReport(p.file, kind.name, p.sha256, "removed", rows_loaded=p.rows_loaded
                                         if p.status == "loaded" else 0, change="removed")
            loaded_at[p.file] = p.loaded_at
    return [reports[n] for n in sorted(reports)], loaded_at


def _fault_of_the_file(err: BaseException) -> bool:
    """Whether an error raised while one file loaded is that file's doing (it is then rejected; the build goes
    on): anything the readers raise on what the file holds, a MemoryError and a panic of python-calamine's
    included, but not what says the build itself cannot go on."""
    if isinstance(err, _BUILD_ERRORS):
        return False
    if isinstance(err, OSError) and err.errno in _SYSTEM_ERRNOS:
        return False
    return isinstance(err, Exception) or type(err).__name__ == "PanicException"


def _unexpected(name: str, err: BaseException) -> str:
    """The rejection of a file whose load raised `err`: what it was, without the values it may quote (digit
    runs, which could be ID or phone numbers, are left out)."""
    if isinstance(err, MemoryError | duckdb.OutOfMemoryException):
        return f"{name}: too large to load in the memory this machine has; split it into smaller files"
    first = (str(err).strip().splitlines() or [""])[0]
    detail = re.sub(r"[0-9]{6,}", "…", first)[:200]
    return (f"{name}: the reader failed on it ({type(err).__name__}{': ' + detail if detail else ''}); "
            "save it again from Excel as 'CSV UTF-8' or XLSX, and report it if it still fails")


def _forget_rows(con: duckdb.DuckDBPyConnection, kind: SourceKind, name: str) -> None:
    """Delete what a file whose load failed half-way inserted (each statement commits on its own)."""
    con.execute(f"DELETE FROM raw.{kind.name} WHERE source_file = ?", [name])
    con.execute(f"DELETE FROM raw.{kind.name}__quarantine WHERE file = ?", [name])
    for table in ("_incoming", "_normalised", "_duplicates", "_checked"):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _contract_cells(kind: SourceKind, prepared: PreparedFile, line: str | None) -> dict[str, str | None] | None:
    """The cells of a malformed line that may be kept, by canonical name: those under a stored column of the
    kind's contract, never an extra cell, a personal column's or an unknown column's (which may be personal
    too: 联系人, 联系电话). A line with more cells than the header may have its extra cell anywhere, so a cell
    of such a column may have moved right by as many places (left, with fewer cells): a stored column's cell
    is kept only where none of those can have landed. None when the line cannot be split."""
    if line is None or not prepared.headers:  # (only a CSV line can be split as its header was)
        return None
    try:
        rows = list(csv.reader(io.StringIO(line, newline=""), delimiter=prepared.delimiter))
    except csv.Error:  # a cell longer than Python's field limit, say
        return None
    if len(rows) != 1:
        return None
    cells, width = rows[0], len(prepared.headers)
    shift = len(cells) - width
    stored = {prepared.found[c.name]: c.name for c in kind.stored_columns if c.name in prepared.found}
    moved = range(min(0, shift), max(0, shift) + 1)  # how far a cell may have moved
    unsafe = {q + d for q in range(width) if q not in stored for d in moved}
    return {name: cells[p] if p < len(cells) and p not in unsafe else None for p, name in stored.items()}


def _quarantine_malformed_lines(con: duckdb.DuckDBPyConnection, kind: SourceKind, prepared: PreparedFile,
                                rejects: list[reading.StructuralReject], raw_fields: str, student_key: str,
                                params: dict | None, shown: str) -> None:
    """Quarantine the lines the reader could not split into the header's columns, each with the contract's
    cells it holds (_contract_cells), masked as a bad row's are, and its student's pseudonym, never the
    student number (the cells go through the same normalisation as the rows read)."""
    names = [c.name for c in kind.stored_columns]
    lines = []
    for reject in rejects:
        cells = _contract_cells(kind, prepared, reject.raw_line)
        lines.append((reject.source_row, reject.reason, cells is not None,
                      *((cells or {}).get(name) for name in names)))
    columns = ", ".join(f'"{name}" VARCHAR' for name in names)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _malformed (source_row INTEGER, reason VARCHAR, split BOOLEAN, "
                f"{columns})")
    con.executemany(f"INSERT INTO _malformed VALUES ({', '.join('?' * (3 + len(names)))})", lines)
    con.execute(
        f"""INSERT INTO raw.{kind.name}__quarantine
            SELECT $file, $kind, r.source_row, NULL, r.reason,
                   CASE WHEN r.split THEN to_json(struct_pack({raw_fields})) END
            FROM _malformed r JOIN ({checked_select(kind, '_malformed', fold=True, extra=student_key)}) n
            USING (source_row)""",
        {"file": shown, "kind": kind.name, **(params or {})},
    )
    con.execute("DROP TABLE _malformed")


def _load_file(
    con: duckdb.DuckDBPyConnection,
    kind: SourceKind,
    prepared: PreparedFile,
    ipad: bytes,
    opad: bytes,
) -> FileReport:
    """Read one file, normalise and check its rows in bulk, and insert them: good rows into raw.<kind>, bad
    ones into raw.<kind>__quarantine. A few passes over the file's rows, each over whole columns: read, find
    duplicates, normalise with the checks (and the student pseudonym), insert."""
    shown = prepared.shown_name
    result = read_prepared(con, prepared)
    rules = violation_sql(kind, odd_cells=result.odd_cells)
    pseudonymised = any(c.type is STUDENT_ID for c in kind.stored_columns)
    # whose file this is, for the rule that quarantines rows outside a portal submitter's scope (set per file:
    # this connection loads other files too)
    con.execute(f"SET VARIABLE {SUBMISSION_SCOPE_VARIABLE} = ?", [submission_scope(shown)])
    # the pseudonym is computed once per row, for the stored row and the quarantined one alike
    student_key = f"{student_key_sql('n.university_code', 'n.student_id')} AS student_key" if pseudonymised else ""
    params = {"ipad": ipad, "opad": opad} if pseudonymised else None
    con.execute(f"CREATE OR REPLACE TEMP TABLE _duplicates AS {duplicates_sql(kind, '_incoming')}")
    if rules.one_pass:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _checked AS
                SELECT * EXCLUDE ({rules.flag_names}, first_row), {rules.rule} AS bad_rule FROM (
                    {checked_select(kind, '_incoming', fold=result.needs_folding, extra=student_key, row_rules=True,
                                    odd_cells=result.odd_cells)}
                )""",
            params,
        )
    else:  # windows must not carry the look-up maps (see violation_sql): the row rules in a second pass
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _normalised AS "
            + checked_select(kind, '_incoming', fold=result.needs_folding, extra=student_key,
                             odd_cells=result.odd_cells),
            params,
        )
        raw_join = "JOIN _incoming r USING (source_row)" if rules.row_rules_read_raw else ""
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _checked AS
            SELECT * EXCLUDE ({rules.flag_names}, first_row), {rules.rule} AS bad_rule FROM (
                SELECT n.*, d.first_row, {rules.row_flags}
                FROM _normalised n LEFT JOIN _duplicates d USING (source_row) {raw_join}
            )
            """
        )
    stored = ", ".join("student_key" if c.type is STUDENT_ID else f'"{c.name}"' for c in kind.stored_columns)
    con.execute(
        f"INSERT INTO raw.{kind.name} SELECT $file, source_row, {stored} FROM _checked WHERE bad_rule IS NULL",
        {"file": shown},
    )
    raw_fields = ", ".join(
        '"student_key" := n.student_key' if c.type is STUDENT_ID else f'"{c.name}" := mask_personal(nfkc(r."{c.name}"))'
        for c in kind.stored_columns
    )
    loaded, quarantined = con.execute(
        "SELECT count(*) FILTER (WHERE bad_rule IS NULL), count(*) FILTER (WHERE bad_rule IS NOT NULL) "
        "FROM _checked"
    ).fetchone()
    if quarantined:  # (most files have no bad row: the join below would still read every raw row)
        con.execute(
            f"""INSERT INTO raw.{kind.name}__quarantine
                SELECT $file, $kind, n.source_row, {rules.column}, mask_personal(nfkc({rules.reason})),
                       to_json(struct_pack({raw_fields}))
                FROM (SELECT * FROM _checked WHERE bad_rule IS NOT NULL) n JOIN _incoming r USING (source_row)
                LEFT JOIN _duplicates d USING (source_row)""",
            {"file": shown, "kind": kind.name},
        )
    if result.structural_rejects:
        _quarantine_malformed_lines(con, kind, prepared, result.structural_rejects, raw_fields, student_key, params,
                                    shown)
    quarantined += len(result.structural_rejects)
    notes = result.notes + ([f"ignored unknown column(s): {', '.join(result.unknown_headers)}"]
                            if result.unknown_headers else [])
    message = "; ".join(notes)
    for table in ("_incoming", "_normalised", "_duplicates", "_checked"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return FileReport(
        shown, kind.name, result.sha256, "loaded", result.rows + len(result.structural_rejects), loaded,
        quarantined, message,
    )
