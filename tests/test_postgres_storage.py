"""The production Dagster instance (deploy/dagster.yaml): a real PostgreSQL server, started here from the
Debian package's binaries in a temporary data folder on a free port, holds the runs and events of a real
`portal build`. .ci/run installs the package when it is missing; elsewhere the test is skipped with the reason.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sources import settings
from tests.test_build import small_landing

DEPLOY_YAML = settings.REPO_ROOT / "deploy" / "dagster.yaml"


@dataclass
class Postgres:
    host: str
    port: int
    user: str
    database: str

    def query(self, sql: str) -> list[tuple]:
        import psycopg2

        with psycopg2.connect(host=self.host, port=self.port, user=self.user, dbname=self.database) as conn:
            with conn.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall()


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql; .ci/run does it)")
    # PostgreSQL refuses to run as root: as root, the server runs as the package's `postgres` user
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="portal-pg-"))
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(root, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", _free_port()

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=120)

    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "portal", "--auth=trust", "-E", "UTF8", "--no-sync")
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60",
        "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    try:
        server = Postgres("127.0.0.1", port, "portal", "postgres")
        deadline = time.monotonic() + 30
        while True:
            try:
                server.query("SELECT 1")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        import psycopg2

        conn = psycopg2.connect(host=server.host, port=port, user="portal", dbname="postgres")
        conn.autocommit = True
        conn.cursor().execute("CREATE DATABASE dagster")
        conn.close()
        yield Postgres("127.0.0.1", port, "portal", "dagster")
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def test_a_build_is_recorded_in_postgresql(postgres, tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(DEPLOY_YAML, home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "DAGSTER_"))}
    env.update(DAGSTER_HOME=str(home), DAGSTER_PG_HOST=postgres.host, DAGSTER_PG_PORT=str(postgres.port),
               DAGSTER_PG_USERNAME=postgres.user, DAGSTER_PG_PASSWORD="", DAGSTER_PG_DB=postgres.database,
               PORTAL_SECRET="postgres test key")
    landing = small_landing(tmp_path)
    warehouse = tmp_path / "out" / "portal.duckdb"
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", "build", "--landing", str(landing),
                           "--warehouse", str(warehouse)], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"published {warehouse}" in done.stdout
    # nothing went to local SQLite storage: the run and its events are in PostgreSQL
    assert not list(home.rglob("*.db"))
    [(job, status)] = postgres.query("SELECT pipeline_name, status FROM runs")
    assert (job, status) == ("build_warehouse", "SUCCESS")
    materialized = {key for (key,) in postgres.query(
        "SELECT asset_key FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION'")}
    assert '["published_warehouse"]' in materialized and '["marts", "major_gap"]' in materialized
    checks = postgres.query(
        "SELECT count(*) FROM event_logs WHERE dagster_event_type = 'ASSET_CHECK_EVALUATION'")[0][0]
    assert checks == 5
