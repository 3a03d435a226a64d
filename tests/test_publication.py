"""Publication, rollback and the build lock on real DuckDB files and real processes, without a whole build."""

from __future__ import annotations

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
