"""Serving while building, for real: readers in another process while builds publish and roll back, builds
killed with SIGKILL at several moments, two builds at once, a full disk, and the status a user reads.

Every build here is a real `portal build` process on a small landing folder (about 10 s each)."""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import csv_bytes
from tests.reader_loop import BackgroundReader, ReaderStats
from tests.test_build import small_landing
from tests.test_rules import CATALOGUE_HEADER, GOOD_CATALOGUE, with_value
from warehouse import publication

# the dashboard is rendered here, in threads and beside builds (conftest.py, collected_garbage)
pytestmark = pytest.mark.usefixtures("collected_garbage")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PORTAL_SECRET="serving test key", DAGSTER_HOME=str(tmp_path / "dagster_home"))
    for name in ("PORTAL_LANDING", "PORTAL_WAREHOUSE", "PORTAL_PAUSE_AT", "PORTAL_PAUSE_FILE", "PORTAL_BUILD_WAIT"):
        env.pop(name, None)
    return env


def build_command(landing: Path, warehouse: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "pipelines.cli", "build", "--landing", str(landing), "--warehouse", str(warehouse),
            *extra]


def portal_run(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=300, cwd=ROOT, **kwargs)


def portal_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return portal_run([sys.executable, "-m", "pipelines.cli", *args], env)


def published_build_id(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT build_id FROM audit.build").fetchone()[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def change_graduates(landing: Path, graduates: int) -> None:
    row = with_value(GOOD_CATALOGUE, 9, graduates)
    (landing / "catalogue" / "c.csv").write_bytes(csv_bytes(CATALOGUE_HEADER, [row]))


def leftovers(warehouse: Path) -> list[str]:
    """Files dead builds could leave: build databases, half-made links."""
    builds = publication.builds_dir(warehouse)
    found = [p.name for p in builds.iterdir()] if builds.exists() else []
    return found + [p.name for p in warehouse.parent.glob(f".{warehouse.name}.*.tmp")]


@pytest.fixture
def published(tmp_path, env) -> tuple[Path, Path]:
    """A small landing folder built and published once."""
    landing = small_landing(tmp_path)
    warehouse = tmp_path / "out" / "portal.duckdb"
    done = portal_run(build_command(landing, warehouse), env)
    assert done.returncode == 0, done.stderr
    return landing, warehouse


def wait_for(condition, timeout: float = 120, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def start_build(landing: Path, warehouse: Path, env: dict[str, str], log: Path, *extra: str,
                **env_extra: str) -> subprocess.Popen:
    out = log.open("w")
    return subprocess.Popen(build_command(landing, warehouse, *extra), stdout=out, stderr=subprocess.STDOUT,
                            env={**env, **env_extra}, cwd=ROOT, text=True)


# --- readers ---------------------------------------------------------------------------------------
def test_readers_never_fail_while_builds_publish_and_roll_back(published, tmp_path, env):
    landing, warehouse = published
    first = published_build_id(warehouse)
    stop = tmp_path / "stop-reading"
    reader = subprocess.Popen([sys.executable, "-m", "tests.reader_loop", str(warehouse), str(stop)],
                              stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        change_graduates(landing, 90)
        done = portal_run(build_command(landing, warehouse), env)
        assert done.returncode == 0, done.stderr
        second = published_build_id(warehouse)
        rolled = portal_cli("rollback", "--warehouse", str(warehouse), env=env)
        assert rolled.returncode == 0, rolled.stderr
        time.sleep(0.5)  # let the reader see the rolled-back publication
    finally:
        stop.touch()
        out, _ = reader.communicate(timeout=60)
    stats = ReaderStats.from_json(out)
    assert stats.errors == []
    assert stats.queries > 50
    # it followed each publication without a restart: first build, the new one, the first again
    assert [build for build, _ in stats.seen] == [first, second, first]
    assert len({supply for _, supply in stats.seen}) == 2
    # the rollback said what it did, and a second one undoes it
    assert f"restored build {first}" in rolled.stdout and f"kept the replaced build {second}" in rolled.stdout
    assert published_build_id(publication.previous_path(warehouse)) == second
    assert portal_cli("rollback", "--warehouse", str(warehouse), env=env).returncode == 0
    assert published_build_id(warehouse) == second


def test_the_dashboard_keeps_answering_while_builds_publish_and_roll_back(published, tmp_path, env, monkeypatch):
    """The dashboard's Overview, rendered over and over by AppTest while a build publishes and a rollback
    runs: no render fails, and it shows each new publication's graduates without a restart."""
    from streamlit.testing.v1 import AppTest

    landing, warehouse = published
    monkeypatch.setenv("PORTAL_WAREHOUSE", str(warehouse))

    def render_overview() -> object:
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60).run()
        if at.exception:
            raise AssertionError([e.value for e in at.exception])
        return {m.label: m.value for m in at.metric}.get("毕业生（供给）")

    first = render_overview()
    reader = BackgroundReader(render_overview).start()
    try:
        change_graduates(landing, 90)
        done = portal_run(build_command(landing, warehouse), env)
        assert done.returncode == 0, done.stderr
        wait_for(lambda: reader.latest != first, what="the dashboard to show the new build")
        rolled = portal_cli("rollback", "--warehouse", str(warehouse), env=env)
        assert rolled.returncode == 0, rolled.stderr
        wait_for(lambda: reader.latest == first, what="the dashboard to show the rolled-back build")
    finally:
        stats = reader.stop()
    assert stats.errors == []
    assert stats.seen[0] == first and stats.seen[-1] == first and len(stats.seen) == 3
    assert stats.seen[1] == "90"  # the new build's graduates, as the Overview prints them


def test_rollback_without_a_previous_publication_changes_nothing(tmp_path, env):
    warehouse = tmp_path / "portal.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    before = digest(warehouse)
    done = portal_cli("rollback", "--warehouse", str(warehouse), env=env)
    assert done.returncode == 1 and "no previous publication" in done.stderr
    assert digest(warehouse) == before


# --- crashes ---------------------------------------------------------------------------------------
def test_a_build_killed_at_any_moment_leaves_the_publication_unchanged(published, tmp_path, env):
    landing, warehouse = published
    before, first = digest(warehouse), published_build_id(warehouse)
    change_graduates(landing, 90)
    for moment in ("loading", "after-keeping-previous"):
        log = tmp_path / f"{moment}.log"
        if moment == "loading":
            build = start_build(landing, warehouse, env, log)
            builds = publication.builds_dir(warehouse)
            wait_for(lambda b=builds: any(p.stat().st_size > 0 for p in b.glob("*.duckdb")),
                     what="the build to start writing")
        else:
            build = start_build(landing, warehouse, env, log, PORTAL_PAUSE_AT=moment)
            wait_for(lambda m=moment, f=log: f"paused at {m}" in f.read_text(), what=moment)
        build.send_signal(signal.SIGKILL)
        build.wait(timeout=30)
        assert digest(warehouse) == before, moment
        assert published_build_id(warehouse) == first
        assert publication.lock_holder(warehouse) is None, f"a stale lock after a kill {moment}"
        assert leftovers(warehouse), "the dead build left its file (the next build cleans it)"
    done = portal_run(build_command(landing, warehouse), env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert published_build_id(warehouse) != first
    assert leftovers(warehouse) == []
    assert published_build_id(publication.previous_path(warehouse)) == first


def _limit_file_size(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _mount_tmpfs(where: Path, size_bytes: int) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(where)],
                          capture_output=True)
    return done.returncode == 0


def test_a_full_disk_fails_the_build_and_keeps_the_publication(tmp_path, env):
    """A real full disk (a small tmpfs holding the warehouse) when we may mount one, else a file-size limit
    (RLIMIT_FSIZE) on the build process: either way writes fail mid-build."""
    landing = small_landing(tmp_path)
    tmpfs = os.geteuid() == 0 and _mount_tmpfs(tmp_path / "disk", 40 << 20)
    warehouse = (tmp_path / "disk" if tmpfs else tmp_path / "out") / "portal.duckdb"
    try:
        assert portal_run(build_command(landing, warehouse), env).returncode == 0
        before = digest(warehouse)
        change_graduates(landing, 90)
        if tmpfs:
            used = sum(p.stat().st_size for p in warehouse.parent.rglob("*") if p.is_file())
            subprocess.run(["mount", "-o", f"remount,size={used + (2 << 20)}", str(warehouse.parent)], check=True)
            done = portal_run(build_command(landing, warehouse), env)
        else:
            done = portal_run(build_command(landing, warehouse), env, preexec_fn=_limit_file_size(2 << 20))
        assert done.returncode == 1, done.stdout + done.stderr
        assert "NOT published" in done.stderr and "unchanged" in done.stderr
        assert "No space left on device" in done.stderr or "File too large" in done.stderr, done.stderr
        assert digest(warehouse) == before
        assert publication.lock_holder(warehouse) is None
        if tmpfs:  # space is freed
            subprocess.run(["mount", "-o", "remount,size=64m", str(warehouse.parent)], check=True)
        done = portal_run(build_command(landing, warehouse), env)
        assert done.returncode == 0, done.stderr
        assert leftovers(warehouse) == []
        with duckdb.connect(str(warehouse), read_only=True) as con:
            assert con.execute("SELECT graduates FROM raw.catalogue").fetchall() == [(90,)]
    finally:
        if tmpfs:
            subprocess.run(["umount", str(tmp_path / "disk")], capture_output=True)


# --- concurrency -----------------------------------------------------------------------------------
def test_two_builds_at_once_one_refuses_or_waits_and_status_works_meanwhile(published, tmp_path, env, monkeypatch):
    landing, warehouse = published
    first = published_build_id(warehouse)
    change_graduates(landing, 90)
    pause = tmp_path / "hold"
    pause.touch()
    holder = start_build(landing, warehouse, env, tmp_path / "a.log",
                         PORTAL_PAUSE_AT="before-publish", PORTAL_PAUSE_FILE=str(pause))
    try:
        wait_for(lambda: "paused at before-publish" in (tmp_path / "a.log").read_text(), what="build A to pause")
        # a second build refuses at once, in one line
        refused = portal_run(build_command(landing, warehouse), env)
        assert refused.returncode == 3
        assert refused.stderr.count("\n") == 1 and "another build is running" in refused.stderr
        assert "Traceback" not in refused.stderr + refused.stdout
        # a run launched through Dagster (as the sensor, the schedule or the UI launch it) is refused too
        from tests.conftest import materialize_all

        monkeypatch.setenv("PORTAL_LANDING", str(landing))
        monkeypatch.setenv("PORTAL_WAREHOUSE", str(warehouse))
        monkeypatch.setenv("PORTAL_SECRET", env["PORTAL_SECRET"])
        result = materialize_all()
        assert not result.success
        assert published_build_id(warehouse) == first
        # status reads the publication while the build runs
        status = portal_cli("status", "--warehouse", str(warehouse), env=env)
        assert status.returncode == 0, status.stderr
        assert status.stdout.startswith("a build is running now: run ")
        assert f"build {first}: published" in status.stdout
        # a third build waits for the first and then runs
        waiter = start_build(landing, warehouse, env, tmp_path / "c.log", "--wait", "120")
        time.sleep(2)
        assert waiter.poll() is None, (tmp_path / "c.log").read_text()
    finally:
        pause.unlink()
    assert holder.wait(timeout=120) == 0, (tmp_path / "a.log").read_text()
    second = published_build_id(warehouse)
    assert waiter.wait(timeout=120) == 0, (tmp_path / "c.log").read_text()
    third = published_build_id(warehouse)
    assert len({first, second, third}) == 3
    assert published_build_id(publication.previous_path(warehouse)) == second


# --- what a publication says about itself ----------------------------------------------------------
def test_status_and_audit_tables_describe_the_publication(tmp_path, env):
    landing = small_landing(tmp_path)
    bad = with_value(GOOD_CATALOGUE, 6, "089999")
    (landing / "catalogue" / "c.csv").write_bytes(csv_bytes(CATALOGUE_HEADER, [GOOD_CATALOGUE, bad]))
    warehouse = tmp_path / "out" / "portal.duckdb"
    assert portal_run(build_command(landing, warehouse), env).returncode == 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        types = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() "
                                 "WHERE schema_name = 'audit' AND table_name = 'build'").fetchall())
        [(build_id, landing_dir, files_loaded, files_rejected, quarantined)] = con.execute(
            "SELECT build_id, landing_dir, files_loaded, files_rejected, rows_quarantined FROM audit.build"
        ).fetchall()
        checks = con.execute("SELECT asset, check_name, passed, description FROM audit.checks").fetchall()
        inputs = dict(con.execute("SELECT file, sha256 FROM audit.build_inputs").fetchall())
    assert types["published_at"] == types["started_at"] == "TIMESTAMP WITH TIME ZONE"
    assert landing_dir == str(landing) and (files_loaded, files_rejected, quarantined) == (4, 1, 1)
    assert len(checks) == 5 and all(passed for _, _, passed, _ in checks)
    assert ("audit/load_log", "rows_add_up") in {(a, n) for a, n, _, _ in checks}
    assert all(description for _, _, _, description in checks)
    assert inputs["catalogue/c.csv"] == digest(landing / "catalogue" / "c.csv")
    assert inputs["catalogue/no_codes.csv"] == digest(landing / "catalogue" / "no_codes.csv")

    status = portal_cli("status", "--warehouse", str(warehouse), env=env)
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert any(line.startswith(f"build {build_id}: published ") for line in lines)
    assert "  catalogue: 1 file(s) loaded, 1 rejected" in lines
    assert "  raw.catalogue: 1 rows" in lines
    assert "checks: 5 of 5 passed" in lines
    assert "  catalogue/c.csv: 1 of 2 rows" in lines
    assert "previous publication: none" in lines
    # the publication is a checkpointed file: no write-ahead log beside it, a copy of it is the whole database
    assert not Path(f"{warehouse}.wal").exists()
    shutil.copyfile(warehouse, tmp_path / "copy.duckdb")
    with duckdb.connect(str(tmp_path / "copy.duckdb"), read_only=True) as con:
        assert con.execute("SELECT build_id FROM audit.build").fetchone()[0] == build_id


def test_status_without_a_publication_says_what_to_do(tmp_path, env):
    done = portal_cli("status", "--warehouse", str(tmp_path / "none.duckdb"), env=env)
    assert done.returncode == 1 and "portal build" in done.stderr


# --- the landing-folder sensor ---------------------------------------------------------------------
def test_sensor_builds_only_what_differs_from_the_publication(tmp_path, monkeypatch):
    import dagster as dg

    from pipelines.build import run_build
    from pipelines.defs.resources import portal_resource
    from pipelines.defs.sensors import landing_folder_sensor

    landing = small_landing(tmp_path)
    warehouse = tmp_path / "out" / "portal.duckdb"
    monkeypatch.setenv("PORTAL_LANDING", str(landing))
    monkeypatch.setenv("PORTAL_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("PORTAL_SECRET", "sensor test pseudonymisation key")

    def tick(cursor: str | None = None):
        with dg.build_sensor_context(cursor=cursor, resources={"portal": portal_resource()}) as context:
            return landing_folder_sensor(context), context.cursor

    before, _ = tick()
    assert isinstance(before, dg.RunRequest)  # nothing published yet
    outcome = run_build()
    assert outcome.published, outcome.failure
    # the facts of `portal status` are the publication's metadata in Dagster too
    [published_event] = [e.materialization for e in outcome.result.get_asset_materialization_events()
                         if e.materialization.asset_key == dg.AssetKey(["published_warehouse"])]
    metadata = published_event.metadata
    assert metadata["build_id"].value == published_build_id(warehouse)
    assert "rows_add_up" in metadata["checks"].value and "| catalogue | 1 | 1 |" in metadata["sources"].value
    assert metadata["files_rejected"].value == 1

    # as after `make demo`: the first tick of a fresh sensor finds the folder already published
    skipped, cursor = tick()
    assert isinstance(skipped, dg.SkipReason) and "exactly these files" in skipped.skip_message
    # a file saved again with the same bytes (new modification time) is not a change
    source = landing / "catalogue" / "c.csv"
    stat = source.stat()
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    resaved, cursor = tick(cursor)
    assert isinstance(resaved, dg.SkipReason)
    # new content is; but not while a build holds the lock
    change_graduates(landing, 90)
    with publication.build_lock(warehouse, "a manual build"):
        busy, cursor = tick(cursor)
    assert isinstance(busy, dg.SkipReason) and "a build is running (a manual build" in busy.skip_message
    changed, cursor = tick(cursor)
    assert isinstance(changed, dg.RunRequest) and changed.tags["portal/changed_files"] == "1"
    # a deleted file too, under another run key
    (landing / "survey" / "s.csv").unlink()
    deleted, _ = tick(cursor)
    assert isinstance(deleted, dg.RunRequest) and deleted.tags["portal/removed_files"] == "1"
    assert deleted.run_key != changed.run_key
