"""Publishing a finished build, keeping the previous publication, rolling back, and one build at a time.

Files beside the published warehouse `<dir>/portal.duckdb` (all on one filesystem, so renames are atomic):

- `<dir>/.portal.builds/<build id>.duckdb`  each build's own database, started as a copy of the publication
                                           (start_build); a build writes nothing else;
- `<dir>/portal.previous.duckdb`            the publication before the current one (for `portal rollback`),
                                           kept PORTAL_PREVIOUS_RETENTION_DAYS after it was replaced;
- `<dir>/.portal.duckdb.lock`               the build lock (fcntl.flock; its text names the holder).

Publishing renames the build's file over `portal.duckdb` (`os.replace`): a reader that opens the path gets the
old file or the new one, never a mix, and a reader already holding the old file keeps reading it (the inode
lives until it closes). The previous publication is kept by a hard link made before the swap, so
`portal.duckdb` itself is never missing.

Deleted rows leave their bytes in a DuckDB file's free blocks (DuckDB reuses them, it does not clear them), and
a build starts as a copy of the publication, free blocks included. So a build that removed rows the
publication held, or that started from a publication without this guarantee, is written fresh into a new file
before it is published (write_fresh: every table copied by DuckDB, nothing else): a publication never carries
the bytes of files deleted from the landing folder, nor of pseudonyms made with a replaced key. A build that
removed nothing (no file deleted, changed, renamed or read again: the common case, and every build the
benchmark times) is published as it is: what its free blocks can hold are older versions of tables made from
files it still holds, so rewriting the whole warehouse (a cost in proportion to its size, paid by every build
if done always) would remove nothing personal.
The previous publication still holds what the current one dropped: it is deleted once it has been replaced
for longer than the retention (expire_previous) or at once by `portal purge-previous` (purge).

The lock is a kernel lock on an open file: a build killed with `kill -9` loses it with its process, so a
crash never leaves a stale lock. A build that starts while the lock is free also removes whatever dead builds
left in `.portal.builds/`.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse import connection


class BuildLockHeld(Exception):
    """Another build holds the lock; the message is one line a person can act on."""


class NothingToRollBack(Exception):
    pass


def builds_dir(published: Path) -> Path:
    return published.with_name(f".{published.stem}.builds")


def build_file(published: Path, build_id: str) -> Path:
    return builds_dir(published) / f"{build_id}.duckdb"


def start_build(published: Path, build: Path) -> str | None:
    """Start a build's database as a copy of the publication, so that what the landing folder still holds
    unchanged stays where it is (sources/loading.py) and a run of only some assets finds the rest. The copy is
    made by the kernel (sendfile), which costs far less than reading and writing it in Python. A first
    build starts empty, and so does a build whose publication DuckDB cannot open (damaged, or written by another
    storage version): everything is then read afresh rather than every build failing. Returns why the build
    starts empty, or None after a copy. If start_build_ahead began this copy, waits for it instead."""
    ahead = _ahead.pop(build, None)
    if ahead is not None:
        return ahead.result()
    return _copy_publication(published, build)


#: copies begun by start_build_ahead that no start_build has waited for yet, by build file
_ahead: dict[Path, Future[str | None]] = {}


def start_build_ahead(published: Path, build: Path) -> None:
    """Begin start_build(published, build) in a thread and return at once; the run's own start_build then
    waits for it. `portal build` calls this as soon as it holds the build lock and knows its run id, so the
    copy (mostly the kernel's time, and the disk's) runs while Dagster sets the run up (a second or two of
    Python), not after. Call only while holding the lock; the run's resource claims the copy (started_ahead,
    then start_build) even when it has finished; end with cancel_build_ahead."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="portal-copy")
    _ahead[build] = pool.submit(_copy_publication, published, build)
    pool.shutdown(wait=False)


def started_ahead(build: Path) -> bool:
    """Whether start_build_ahead began this build's copy and no start_build has waited for it yet (the copy
    may be finished: the run's resource must still call start_build, which claims it)."""
    return build in _ahead


def cancel_build_ahead(build: Path) -> None:
    """After the run: if its resource never claimed the copy begun ahead (the run failed before it started),
    wait for the copy and delete it, so that nothing is left writing or written."""
    ahead = _ahead.pop(build, None)
    if ahead is not None:
        ahead.exception()  # waits; a failed copy has nothing to delete but what remove_stale_builds would
        build.unlink(missing_ok=True)


@contextmanager
def building(published: Path, build: Path, holder: str, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the build lock (build_lock) for the duration, with `build`'s copy of the publication begun ahead
    (unless it already is: the lock and this are re-entrant within a process); on the way out, a copy that no
    run claimed is waited for and deleted (cancel_build_ahead)."""
    with build_lock(published, holder, wait_seconds):
        if not started_ahead(build):
            start_build_ahead(published, build)
        try:
            yield
        finally:
            cancel_build_ahead(build)


def _copy_publication(published: Path, build: Path) -> str | None:
    build.parent.mkdir(parents=True, exist_ok=True)
    if not published.is_file():
        return f"no publication at {published} yet"
    partial = build.with_name(build.name + ".copying")
    shutil.copyfile(published, partial)
    try:
        duckdb.connect(str(partial)).close()  # opening reads the header and the catalog: a damaged file fails here
    except duckdb.Error as err:
        partial.unlink()
        partial.with_name(partial.name + ".wal").unlink(missing_ok=True)
        return f"the publication {published} cannot be opened ({str(err).splitlines()[0]})"
    os.replace(partial, build)
    return None


def published_build_id(published: Path) -> str | None:
    """The id of the build that made the publication (audit.build), if there is one."""
    record = published_build(published)
    return None if record is None else record.get("build_id")


def published_build(published: Path) -> dict[str, object] | None:
    """The publication's audit.build row as {column: value}; None if there is no publication, DuckDB cannot
    open it, or it was made before audit.build existed."""
    try:
        with connection.reader(published) as con:
            cursor = con.execute("SELECT * FROM audit.build")
            row = cursor.fetchone()
            return None if row is None else dict(zip([d[0] for d in cursor.description], row, strict=True))
    except Exception:  # no publication yet, or one made before audit.build existed
        return None


# --- deleted rows' bytes ---------------------------------------------------------------------------
def _loaded_files(con: duckdb.DuckDBPyConnection) -> set[tuple]:
    """(kind, file, sha256, status, loader fingerprint) of every file the database holds rows or a record of
    (a file listed as removed holds neither: its rows went in the build that listed it)."""
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'raw' "
        "AND suffix(table_name, '__files')").fetchall()]
    found: set[tuple] = set()
    for table in tables:
        found |= set(con.execute(
            f"SELECT kind, file, sha256, status, loader_fingerprint FROM raw.\"{table}\" WHERE status <> 'removed'"
        ).fetchall())
    return found


def why_write_fresh(published: Path, build: duckdb.DuckDBPyConnection) -> str | None:
    """Why the build (open on `build`) must be written fresh before it is published, so that no deleted row's
    bytes reach the publication; None when its file may be published as it is. That is when it started
    empty, or from a publication that carries no deleted rows' bytes (written_fresh recorded in audit.build)
    and every file that publication held rows or a record of is still held, by the same content and loader:
    then nothing the publication held was deleted, and what the free blocks hold (older versions of tables
    built again, e.g. of every model of this build that changed) was made from files still held."""
    if not published.exists():
        return None  # a first build starts empty: nothing it wrote was of a file it no longer holds
    record = published_build(published)
    if record is None or record.get("written_fresh") is None:
        return "the publication it started from may hold deleted rows (made before publications were written fresh)"
    try:
        with connection.reader(published) as con:
            before = _loaded_files(con)
    except duckdb.Error as err:
        return f"the publication cannot be compared with it ({str(err).splitlines()[0]})"
    gone = before - _loaded_files(build)
    if gone:
        return (f"{len({(k, f) for k, f, *_ in gone})} file(s) of the publication were deleted, changed, renamed "
                "or read again, and their old rows deleted")
    return None


def _quoted_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _catalog(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, list[tuple]]:
    """Everything a database holds besides free blocks: its objects, their definitions and comments, and each
    table's row count (to tell that a copy lost nothing)."""
    where = f"database_name = '{database}'"
    catalog = {
        "schemas": f"SELECT schema_name, comment FROM duckdb_schemas() WHERE {where}",
        "tables": f"SELECT schema_name, table_name, comment, column_count FROM duckdb_tables() WHERE {where}",
        "columns": "SELECT schema_name, table_name, column_name, data_type, is_nullable, column_default, comment "
                   f"FROM duckdb_columns() WHERE {where}",
        "constraints": "SELECT schema_name, table_name, constraint_type, constraint_text FROM duckdb_constraints() "
                       f"WHERE {where}",
        "views": f"SELECT schema_name, view_name, sql, comment FROM duckdb_views() WHERE {where} AND NOT internal",
        "indexes": f"SELECT schema_name, index_name, table_name, sql, comment FROM duckdb_indexes() WHERE {where}",
        "sequences": f"SELECT schema_name, sequence_name, comment FROM duckdb_sequences() WHERE {where}",
        "macros": "SELECT schema_name, function_name, function_type, macro_definition, comment "
                  f"FROM duckdb_functions() WHERE {where} AND NOT internal",
        "types": f"SELECT schema_name, type_name, comment FROM duckdb_types() WHERE {where} AND NOT internal",
    }
    found = {name: sorted(con.execute(sql).fetchall(), key=repr) for name, sql in catalog.items()}
    found["row counts"] = [
        (schema, table, con.execute(f'SELECT count(*) FROM "{database}"."{schema}"."{table}"').fetchone()[0])
        for schema, table, *_ in found["tables"]
    ]
    return found


def write_fresh(source: Path, target: Path) -> None:
    """Write the database `source` into the new file `target`: DuckDB's COPY FROM DATABASE copies every schema,
    table (rows in their order), view, macro, sequence, type, index, constraint and comment, and writes only
    live rows, so none of `source`'s free blocks or deleted rows comes along. The copy is compared with
    `source` (every object, definition, comment and row count) and a difference raises: nothing is published
    that lost something on the way."""
    for leftover in (target, Path(f"{target}.wal")):
        leftover.unlink(missing_ok=True)
    spill = Path(f"{target}.tmp")  # beside the build, not in the working directory
    con = duckdb.connect(":memory:", config={"memory_limit": connection.WRITER_MEMORY_LIMIT,
                                             "temp_directory": str(spill)})
    try:
        con.execute(f"ATTACH {_quoted_path(source)} AS source_db (READ_ONLY)")
        con.execute(f"ATTACH {_quoted_path(target)} AS fresh_db")
        con.execute("COPY FROM DATABASE source_db TO fresh_db")
        expected, got = _catalog(con, "source_db"), _catalog(con, "fresh_db")
        for part, rows in expected.items():
            if got[part] != rows:
                missing = [r for r in rows if r not in got[part]] or [r for r in got[part] if r not in rows]
                raise RuntimeError(f"the fresh copy {target} of {source} differs from it in its {part} "
                                   f"(e.g. {missing[0]!r}); not published")
        con.execute("DETACH fresh_db")  # checkpoints: the file alone is the database
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    if Path(f"{target}.wal").exists():
        raise RuntimeError(f"{target} still has a write-ahead log after it was closed; not published")


def previous_path(published: Path) -> Path:
    return published.with_name(f"{published.stem}.previous{published.suffix}")


def lock_path(published: Path) -> Path:
    return published.with_name(f".{published.name}.lock")


def identity(published: Path) -> tuple[int, int, int] | None:
    """What changes when a new publication (or a rollback) replaces the file: (device, inode, mtime_ns).
    A reader caching query results can key its cache on this; None while nothing is published."""
    try:
        st = published.stat()
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns)


# --- the build lock --------------------------------------------------------------------------------
def lock_holder(published: Path) -> str | None:
    """Who holds the build lock right now (the text the holder wrote), or None when it is free."""
    path = lock_path(published)
    try:
        f = open(path)  # noqa: SIM115 - read-only: works where a reader may not write (a read-only mount)
    except OSError:  # no lock file: no build has ever run here
        return None
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return f.read().strip() or "another build"
        fcntl.flock(f, fcntl.LOCK_UN)
    return None


#: locks this process holds: path → open lock file (a process re-entering its own lock must not block itself)
_held: dict[Path, object] = {}


def _write_holder(f, holder: str) -> None:
    f.seek(0)
    f.truncate()
    f.write(f"{holder}, pid {os.getpid()}, since {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC\n")
    f.flush()


@contextmanager
def build_lock(published: Path, holder: str, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the build lock of `published` for the duration; raise BuildLockHeld if another build holds it
    (after waiting up to `wait_seconds`). Re-entrant within a process: `portal build` takes it before
    starting Dagster, and the run's resource takes it again (as a run launched by the UI would)."""
    published.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(published).resolve()
    if path in _held:
        _write_holder(_held[path], holder)
        yield
        return
    f = open(path, "a+")  # noqa: SIM115 - held open for the whole build: closing it releases the lock
    try:
        # at least a second: `portal status` and the sensor probe the lock for an instant
        deadline = time.monotonic() + max(wait_seconds, 1.0)
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    f.seek(0)
                    other = f.read().strip() or "another build"
                    waited = f" (waited {wait_seconds:g} s)" if wait_seconds > 0 else ""
                    raise BuildLockHeld(
                        f"another build is running on {published} ({other}){waited}; not started — "
                        "try again when it has finished"
                    ) from None
                time.sleep(0.2)
        _write_holder(f, holder)
        _held[path] = f
        try:
            yield
        finally:
            del _held[path]
    finally:
        f.close()  # releases the flock (the kernel does the same if the process dies)


# --- build files -----------------------------------------------------------------------------------
def remove_stale_builds(published: Path, keep: Path | None = None) -> list[Path]:
    """Delete what dead or failed builds left beside the warehouse. Call only while holding the lock:
    then no other build is alive, so every other build file is stale."""
    removed: list[Path] = []
    folder = builds_dir(published)
    candidates = list(folder.iterdir()) if folder.is_dir() else []
    # half-made links of an interrupted publication or rollback
    candidates += list(published.parent.glob(f".{published.name}.*.tmp"))
    for path in candidates:
        if keep is not None and path.name.startswith(keep.name):
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _keep_as_previous(published: Path) -> bool:
    """Make `portal.previous.duckdb` the current publication without ever removing `portal.duckdb`; False when
    there is no publication to keep."""
    if not published.exists():
        return False
    staging = published.with_name(f".{published.name}.previous.tmp")
    staging.unlink(missing_ok=True)
    try:
        os.link(published, staging)
    except OSError:  # a filesystem without hard links: copy (slow for big files, but still safe)
        shutil.copyfile(published, staging)
    os.replace(staging, previous_path(published))
    staging.unlink(missing_ok=True)  # rename does nothing when both names are links to one file already
    return True


def _pause_for_tests(point: str) -> None:
    """Fault injection for the crash tests: with PORTAL_PAUSE_AT=<point> the build stops here, says so on
    stdout, and waits until killed (or until the file PORTAL_PAUSE_FILE, if named, is removed)."""
    if os.environ.get("PORTAL_PAUSE_AT") != point:
        return
    print(f"paused at {point}", flush=True)
    pause_file = os.environ.get("PORTAL_PAUSE_FILE")
    while pause_file is None or Path(pause_file).exists():
        time.sleep(0.1)


def publish(build: Path, published: Path, fresh: bool = False) -> None:
    """Make the finished `build` the published warehouse, keeping the old one as the previous publication.

    The build's file is checkpointed (its write-ahead log folded in), written fresh into a new file if `fresh`
    (write_fresh; why_write_fresh says when), synced to disk and renamed into place: a reader sees either the
    old file or the new one."""
    connection.checkpoint(build)
    if Path(f"{build}.wal").exists():
        raise RuntimeError(f"{build} still has a write-ahead log after a checkpoint; not published")
    ready = build
    if fresh:
        ready = build.with_name(build.name + ".fresh")  # (named after the build: remove_stale_builds keeps it)
        write_fresh(build, ready)
    with open(ready, "rb+") as f:
        os.fsync(f.fileno())
    _pause_for_tests("before-publish")
    kept = _keep_as_previous(published)
    _pause_for_tests("after-keeping-previous")
    os.replace(ready, published)
    if kept:
        _mark_replaced(previous_path(published))
    build.unlink(missing_ok=True)  # written fresh: the build's own file, with its free blocks, goes
    _fsync_dir(published.parent)


def _mark_replaced(previous: Path) -> None:
    """Set the previous publication's modification time to now, the moment it was replaced: its retention
    counts from then (expire_previous). Its inode is no longer the publication's, whose mtime readers key on."""
    try:
        os.utime(previous)
    except FileNotFoundError:
        pass


def previous_replaced_at(published: Path) -> dt.datetime | None:
    """When the previous publication was replaced by a newer one (None: there is none)."""
    try:
        return dt.datetime.fromtimestamp(previous_path(published).stat().st_mtime, dt.UTC)
    except FileNotFoundError:
        return None


def _delete_previous(published: Path) -> list[Path]:
    previous = previous_path(published)
    removed = []
    for path in (previous, Path(f"{previous}.wal")):
        if path.exists():
            path.unlink()
            removed.append(path)
    spill = Path(f"{previous}.tmp")
    if spill.is_dir():
        shutil.rmtree(spill, ignore_errors=True)
        removed.append(spill)
    return removed


def expire_previous(published: Path, retention_days: float) -> list[Path]:
    """Delete the previous publication if it was replaced more than `retention_days` ago (it holds the rows
    of every file deleted since, see the module's docstring). Call only while holding the build lock."""
    replaced_at = previous_replaced_at(published)
    if replaced_at is None or dt.datetime.now(dt.UTC) - replaced_at <= dt.timedelta(days=retention_days):
        return []
    return _delete_previous(published)


def purge(published: Path) -> list[Path]:
    """For a data-protection request: delete the previous publication and everything builds left beside the
    publication (build files, their write-ahead logs and spill folders, half-made links), so that only the
    publication holds any data. Call only while holding the build lock. Returns what it deleted."""
    return _delete_previous(published) + remove_stale_builds(published)


def rollback(published: Path) -> None:
    """Swap the published warehouse and the previous publication (so a second rollback undoes the first).
    The caller holds the build lock."""
    previous = previous_path(published)
    if not previous.exists():
        raise NothingToRollBack(f"no previous publication to restore ({previous} does not exist)")
    if not published.exists():
        os.replace(previous, published)
        return
    if os.path.samefile(previous, published):  # a publication interrupted after keeping the previous
        raise NothingToRollBack(f"the previous publication {previous} is the current one")
    staging = published.with_name(f".{published.name}.rollback.tmp")
    staging.unlink(missing_ok=True)
    os.link(published, staging)  # the current publication, kept under a temporary name
    os.replace(previous, published)  # readers now get the previous publication
    os.replace(staging, previous)  # and the replaced one becomes the previous
    _mark_replaced(previous)
    _fsync_dir(published.parent)
