"""The production Dagster instance (deploy/dagster.yaml): a real PostgreSQL server, started here from the
Debian package's binaries in a temporary data folder on a free port, holds the runs and events of a real
`portal build`. .ci/run installs the package when it is missing; elsewhere the test is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

from sources import settings
from tests.postgres_server import Postgres, running_postgres
from tests.test_build import small_landing

DEPLOY_YAML = settings.REPO_ROOT / "deploy" / "dagster.yaml"


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    with running_postgres() as server:
        if server is None:
            pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql; .ci/run does it)")
        yield server


def test_a_build_is_recorded_in_postgresql(postgres, tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(DEPLOY_YAML, home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "DAGSTER_"))}
    env.update(DAGSTER_HOME=str(home), PORTAL_SECRET="postgres test key", **postgres.dagster_env())
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
