"""Publication, rollback and the build lock on real DuckDB files and real processes, without a whole build."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from warehouse import publication

ROOT = Path(__file__).resolve().parent.parent


def make_build(published: Path, build_id: str, value: int) -> Path:
    path = publication.build_file(published, build_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA audit")
        con.execute("CREATE TABLE audit.build AS SELECT ? AS build_id, ? AS value", [build_id, value])
    return path


def value_of(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT value FROM audit.build").fetchone()[0]


def test_publish_renames_the_build_into_place_and_keeps_the_previous(tmp_path):
    published = tmp_path / "portal.duckdb"
    publication.publish(make_build(published, "one", 1), published)
    assert value_of(published) == 1 and not publication.previous_path(published).exists()
    first_identity = publication.identity(published)
    # a reader that opened the first publication keeps reading it across the next publication
    with duckdb.connect(str(published), read_only=True) as early_reader:
        build = make_build(published, "two", 2)
        publication.publish(build, published)
        assert early_reader.execute("SELECT value FROM audit.build").fetchone()[0] == 1
    assert not build.exists()  # renamed, not copied
    assert value_of(published) == 2 and value_of(publication.previous_path(published)) == 1
    assert publication.identity(published) != first_identity
    assert list(publication.builds_dir(published).iterdir()) == []
    assert list(tmp_path.glob(".*.tmp")) == []


def test_rollback_swaps_and_a_second_rollback_undoes_it(tmp_path):
    published = tmp_path / "portal.duckdb"
    with pytest.raises(publication.NothingToRollBack):
        publication.rollback(published)
    publication.publish(make_build(published, "one", 1), published)
    publication.publish(make_build(published, "two", 2), published)
    publication.rollback(published)
    assert value_of(published) == 1 and value_of(publication.previous_path(published)) == 2
    publication.rollback(published)
    assert value_of(published) == 2 and value_of(publication.previous_path(published)) == 1
    assert list(tmp_path.glob(".*.tmp")) == []


def test_stale_builds_are_removed_but_the_current_one_is_kept(tmp_path):
    published = tmp_path / "portal.duckdb"
    dead = make_build(published, "dead", 0)
    Path(f"{dead}.wal").write_bytes(b"left by a killed build")
    current = make_build(published, "current", 1)
    half_made = tmp_path / ".portal.duckdb.previous.tmp"
    half_made.write_bytes(b"")
    removed = publication.remove_stale_builds(published, keep=current)
    assert sorted(p.name for p in removed) == sorted([dead.name, f"{dead.name}.wal", half_made.name])
    assert current.exists()


HOLD_LOCK = """
import sys, time
from pathlib import Path
from warehouse import publication
with publication.build_lock(Path(sys.argv[1]), "holder process"):
    print("holding", flush=True)
    time.sleep(600)
"""


def test_the_lock_refuses_a_second_build_and_dies_with_its_holder(tmp_path):
    published = tmp_path / "portal.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(published)], stdout=subprocess.PIPE, text=True,
                              cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert publication.lock_holder(published).startswith(f"holder process, pid {holder.pid}")
        started = time.monotonic()
        with pytest.raises(publication.BuildLockHeld) as refused, publication.build_lock(published, "second", 1.5):
            pass
        assert time.monotonic() - started >= 1.5
        message = str(refused.value)
        assert "another build is running" in message and "holder process" in message and "waited 1.5 s" in message
        assert "\n" not in message
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # the kernel released it with the process: no stale lock
    assert publication.lock_holder(published) is None
    with publication.build_lock(published, "next"):
        assert publication.lock_holder(published).startswith("next")


# --- deleted rows' bytes, the previous publication's retention, purge-previous -----------------------------
#: a value no other byte sequence of a DuckDB file holds, long enough that it is stored as its plain UTF-8
MARKER = "MARKER-7f3a9c-4be1-position-of-a-deleted-row"


def holds_marker(path: Path) -> bool:
    return MARKER.encode() in path.read_bytes()


def make_build_with_a_deleted_row(published: Path, build_id: str) -> Path:
    """A build holding one of each kind of catalog object, whose row with MARKER was deleted (its bytes still
    in the file's free blocks)."""
    path = publication.build_file(published, build_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("""
            CREATE SCHEMA audit; CREATE SCHEMA raw; CREATE SCHEMA marts; CREATE SCHEMA kept_empty;
            CREATE TABLE audit.build AS SELECT 'fresh' AS build_id, 3 AS value;
            CREATE SEQUENCE raw.ids START 10;
            CREATE TABLE raw.placements (id INTEGER PRIMARY KEY DEFAULT nextval('raw.ids'),
                                         position VARCHAR NOT NULL UNIQUE, seq INTEGER CHECK (seq >= 0));
            INSERT INTO raw.placements (position, seq)
                SELECT 'position ' || (1000 - i), i FROM range(1000) t(i);
            CREATE TYPE raw.outcome AS ENUM ('留用', '未留用');
            CREATE TABLE raw.outcomes (outcome raw.outcome);
            INSERT INTO raw.outcomes VALUES ('留用');
            CREATE INDEX placements_by_seq ON raw.placements (seq);
            CREATE VIEW marts.positions AS SELECT count(*) AS n FROM raw.placements;
            CREATE MACRO marts.double_of(x) AS 2 * x;
            CREATE MACRO marts.first_positions(k) AS TABLE SELECT position FROM raw.placements LIMIT k;
            COMMENT ON TABLE raw.placements IS '实习记录 placements';
            COMMENT ON COLUMN raw.placements.position IS '岗位名称';
            COMMENT ON VIEW marts.positions IS 'how many';
            COMMENT ON MACRO marts.double_of IS 'twice';
            COMMENT ON SEQUENCE raw.ids IS 'placement ids';
        """)
        con.execute("INSERT INTO raw.placements (position, seq) VALUES (?, 5000)", [MARKER])
        con.execute("CHECKPOINT")
        assert holds_marker(path)  # so that the test below can fail
        con.execute("DELETE FROM raw.placements WHERE seq = 5000; CHECKPOINT")
    assert holds_marker(path)  # deleted, but its bytes are still in the file
    return path


def test_a_build_written_fresh_keeps_every_object_and_no_deleted_row(tmp_path):
    published = tmp_path / "portal.duckdb"
    build = make_build_with_a_deleted_row(published, "fresh")
    publication.publish(build, published, fresh=True)
    assert not holds_marker(published)
    assert not build.exists() and list(publication.builds_dir(published).iterdir()) == []
    with duckdb.connect(str(published), read_only=True) as con:
        one = lambda sql: con.execute(sql).fetchall()  # noqa: E731
        assert one("SELECT schema_name FROM duckdb_schemas() WHERE schema_name IN ('audit', 'raw', 'marts', "
                   "'kept_empty') ORDER BY 1") == [("audit",), ("kept_empty",), ("marts",), ("raw",)]
        # rows in their order, constraints and defaults
        assert one("SELECT position FROM raw.placements LIMIT 2") == [("position 1000",), ("position 999",)]
        assert one("SELECT count(*), min(id), max(id) FROM raw.placements") == [(1000, 10, 1009)]
        assert one("SELECT * FROM marts.positions") == [(1000,)]
        assert one("SELECT marts.double_of(21)") == [(42,)]
        assert one("SELECT count(*) FROM marts.first_positions(3)") == [(3,)]
        assert one("SELECT * FROM raw.outcomes") == [("留用",)]
        assert {r[0] for r in one("SELECT constraint_type FROM duckdb_constraints() WHERE table_name = 'placements'")
                } >= {"PRIMARY KEY", "UNIQUE", "CHECK", "NOT NULL"}
        assert one("SELECT index_name FROM duckdb_indexes()") == [("placements_by_seq",)]
        assert one("SELECT comment FROM duckdb_tables() WHERE table_name = 'placements'") == [("实习记录 placements",)]
        assert one("SELECT comment FROM duckdb_columns() WHERE column_name = 'position'") == [("岗位名称",)]
        assert one("SELECT comment FROM duckdb_views() WHERE view_name = 'positions'") == [("how many",)]
        assert one("SELECT comment FROM duckdb_functions() WHERE function_name = 'double_of'") == [("twice",)]
        assert one("SELECT comment FROM duckdb_sequences()") == [("placement ids",)]
    # the sequence goes on where it was (1010 went to the deleted row), so a new row gets a new id
    with duckdb.connect(str(published)) as con:
        con.execute("INSERT INTO raw.placements (position, seq) VALUES ('a new one', 1)")
        assert con.execute("SELECT id FROM raw.placements WHERE position = 'a new one'").fetchall() == [(1011,)]


def test_a_build_published_as_it_is_keeps_its_free_blocks(tmp_path):
    """What write_fresh is for: without it, the deleted row's bytes are published."""
    published = tmp_path / "portal.duckdb"
    publication.publish(make_build_with_a_deleted_row(published, "copy"), published)
    assert holds_marker(published)


def test_the_previous_publication_is_deleted_once_past_its_retention(tmp_path):
    published = tmp_path / "portal.duckdb"
    publication.publish(make_build(published, "one", 1), published)
    first = make_build(published, "two", 2)
    eight_days_ago = time.time() - 8 * 86400
    os.utime(published, (eight_days_ago, eight_days_ago))  # publication one was written long ago ...
    publication.publish(first, published)
    # ... but was replaced only now: its retention counts from then
    assert publication.expire_previous(published, retention_days=7) == []
    assert value_of(publication.previous_path(published)) == 1
    previous = publication.previous_path(published)
    os.utime(previous, (eight_days_ago, eight_days_ago))
    assert publication.expire_previous(published, retention_days=7) == [previous]
    assert not previous.exists() and value_of(published) == 2
    with pytest.raises(publication.NothingToRollBack):
        publication.rollback(published)


def portal(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


def test_purge_previous_deletes_the_previous_publication_and_what_builds_left(tmp_path):
    published = tmp_path / "portal.duckdb"
    publication.publish(make_build(published, "one", 1), published)
    publication.publish(make_build(published, "two", 2), published)
    failed = make_build(published, "failed", 3)  # a failed build's file, kept for inspection
    Path(f"{failed}.wal").write_bytes(b"its write-ahead log")
    previous = publication.previous_path(published)

    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(published)], stdout=subprocess.PIPE, text=True,
                              cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "holding"
        refused = portal("purge-previous", "--warehouse", str(published))
        assert refused.returncode == 3 and "nothing purged" in refused.stderr
        assert previous.exists()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()

    done = portal("purge-previous", "--warehouse", str(published))
    assert done.returncode == 0, done.stderr
    assert f"deleted {previous} (the previous publication" in done.stdout
    assert f"deleted {failed}\n" in done.stdout and f"deleted {failed}.wal\n" in done.stdout
    assert not previous.exists() and not failed.exists() and not Path(f"{failed}.wal").exists()
    assert value_of(published) == 2
    rolled = portal("rollback", "--warehouse", str(published))
    assert rolled.returncode == 1 and "nothing rolled back" in rolled.stderr
    again = portal("purge-previous", "--warehouse", str(published))
    assert again.returncode == 0 and again.stdout.startswith("nothing to purge")
