"""End-to-end builds through Dagster: publication, idempotence, the personal-data guarantee, and a bad build
that must not replace a good one."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from sources import settings
from tests.conftest import csv_bytes, materialize_all
from tests.test_rules import (
    BASES_HEADER,
    CATALOGUE_HEADER,
    GOOD_BASE,
    GOOD_CATALOGUE,
    GOOD_PLACEMENT,
    GOOD_SURVEY,
    PLACEMENT_HEADER,
    SURVEY_HEADER,
)
from warehouse import publication

PLACEMENT_PERSONAL = {"姓名": "student_name", "身份证号": "id_number", "手机号": "phone", "学号": "student_id",
                      "student_name": "student_name", "id_number": "id_number", "phone": "phone",
                      "student_id": "student_id"}


def read_any(path: Path) -> pd.DataFrame:
    """A landing file as text cells, whatever its format, header row found among the top rows."""
    if path.suffix == ".xlsx":
        raw = pd.read_excel(path, header=None, dtype=str, engine="calamine")
    else:
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
        import io

        raw = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False)
    header_row = next(i for i in range(min(10, len(raw))) if raw.iloc[i].isin(list(PLACEMENT_PERSONAL)).any()
                      or raw.iloc[i].notna().sum() > 3)
    frame = raw.iloc[header_row + 1:].copy()
    frame.columns = [str(c) for c in raw.iloc[header_row]]
    return frame


def all_tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every table's rows, without the load log's `change` (what this build did: new, then unchanged)."""
    names = [f"{s}.{t}" for s, t in con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() ORDER BY ALL").fetchall()]
    with_change = {f"{s}.{t}" for s, t in con.execute(
        "SELECT schema_name, table_name FROM duckdb_columns() WHERE column_name = 'change'").fetchall()}
    return {n: sorted(con.execute(f"SELECT * {'EXCLUDE (change)' if n in with_change else ''} FROM {n}")
                      .fetchall(), key=repr) for n in names}


def test_demo_build_publishes_with_every_check_passing(demo_build):
    assert demo_build.result.success
    evaluations = demo_build.result.get_asset_check_evaluations()
    assert len(evaluations) == 5 and all(e.passed for e in evaluations)
    assert demo_build.warehouse.exists()
    with demo_build.connect() as con:
        for mart in ("major_gap", "industry_gap", "internship_coverage", "base_utilisation", "pairing_suggestions"):
            assert con.execute(f"SELECT count(*) FROM marts.{mart}").fetchone()[0] > 0, mart


def test_every_landing_file_is_accounted_for_row_by_row(demo_build):
    files = sorted(p for p in demo_build.landing.rglob("*") if p.suffix in (".csv", ".xlsx")
                   and p.parent.name in ("catalogue", "survey", "bases", "placements"))
    with demo_build.connect() as con:
        log = {f: (read, loaded, quarantined) for f, read, loaded, quarantined in con.execute(
            "SELECT file, rows_read, rows_loaded, rows_quarantined FROM audit.load_log").fetchall()}
        quarantined = dict(con.execute("SELECT file, count(*) FROM audit.quarantine GROUP BY file").fetchall())
    assert sorted(log) == sorted(p.relative_to(demo_build.landing).as_posix() for p in files)
    for path in files:
        name = path.relative_to(demo_build.landing).as_posix()
        data_rows = len(read_any(path).dropna(how="all"))
        read, loaded, bad = log[name]
        assert read == data_rows, name
        assert read == loaded + bad and bad == quarantined.get(name, 0), name


def test_no_personal_value_reaches_the_warehouse(demo_build):
    personal: dict[str, set[str]] = {"student_name": set(), "id_number": set(), "phone": set(), "student_id": set()}
    for path in (demo_build.landing / "placements").iterdir():
        frame = read_any(path)
        for header, field in PLACEMENT_PERSONAL.items():
            if header in frame.columns:
                personal[field] |= {str(v).strip() for v in frame[header].dropna() if str(v).strip()}
    assert all(len(values) > 1000 for values in personal.values()), {k: len(v) for k, v in personal.items()}
    with demo_build.connect() as con:
        values = pd.DataFrame({"value": sorted(v for vs in personal.values() for v in vs)})
        con.register("personal", values)
        text_columns = con.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE NOT internal "
            "AND database_name = current_database() AND data_type IN ('VARCHAR', 'JSON')").fetchall()
        assert len(text_columns) > 50
        for schema, table, column in text_columns:
            leaked = con.execute(
                f'SELECT count(*) FROM {schema}."{table}" t JOIN personal p ON t."{column}"::VARCHAR = p.value'
            ).fetchone()[0]
            assert leaked == 0, f"{schema}.{table}.{column} holds {leaked} personal value(s)"
            # inside JSON or free text too (a whole ID number or phone number as a substring)
            if column in ("raw_row", "reason", "message"):
                inside = con.execute(
                    f'SELECT count(*) FROM {schema}."{table}" t JOIN personal p '
                    f'ON length(p.value) >= 11 AND contains(t."{column}"::VARCHAR, p.value)').fetchone()[0]
                assert inside == 0, f"{schema}.{table}.{column} contains personal values"
    # and not in the file's bytes (IDs and phones are long enough not to occur by chance)
    digit_runs = set(re.findall(rb"[0-9]{11}[0-9Xx]{0,7}", demo_build.warehouse.read_bytes()))
    for field in ("id_number", "phone"):
        assert not {v.encode() for v in personal[field]} & digit_runs, f"a clear {field} in the file's bytes"


def test_building_twice_from_the_same_files_gives_the_same_warehouse(demo_build, tmp_path, monkeypatch):
    with demo_build.connect() as con:
        first = all_tables(con)
    monkeypatch.setenv("PORTAL_LANDING", str(demo_build.landing))
    monkeypatch.setenv("PORTAL_WAREHOUSE", str(demo_build.warehouse))
    monkeypatch.setenv("PORTAL_SECRET", "demo-build test key")
    assert materialize_all().success
    with demo_build.connect() as con:
        second = all_tables(con)
        changes = con.execute("SELECT DISTINCT change FROM audit.load_log").fetchall()
    assert changes == [("unchanged",)]  # every file's rows came from the first build, none was re-read
    assert first.keys() == second.keys()
    # which build, and when, and how each table was made this time (built, then unchanged): the bookkeeping
    # that must differ
    for table in {t for t in first if not t.startswith("meta.")} - {"audit.build"}:
        assert first[table] == second[table], f"{table} changed on the second build"


def small_landing(root: Path, survey_skills: str = "Java") -> Path:
    landing = root / "landing"
    files = {
        "catalogue/c.csv": csv_bytes(CATALOGUE_HEADER, [GOOD_CATALOGUE]),
        "survey/s.csv": csv_bytes(SURVEY_HEADER + ["技能要求"], [GOOD_SURVEY + [survey_skills]]),
        "bases/b.csv": csv_bytes(BASES_HEADER, [GOOD_BASE]),
        "placements/p.csv": csv_bytes(PLACEMENT_HEADER, [GOOD_PLACEMENT], "gbk"),
        "catalogue/no_codes.csv": csv_bytes(["年份", "院校名称"], [[2024, "东北大学"]]),
    }
    for name, data in files.items():
        (landing / name).parent.mkdir(parents=True, exist_ok=True)
        (landing / name).write_bytes(data)
    return landing


def portal(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], capture_output=True, text=True,
                          env=env, timeout=300)


@pytest.fixture
def cli_env(tmp_path, monkeypatch) -> dict[str, str]:
    import os

    env = dict(os.environ)
    env.update(PORTAL_SECRET="cli test pseudonymisation key", DAGSTER_HOME=str(tmp_path / "dagster_home"))
    env.pop("PORTAL_LANDING", None)
    env.pop("PORTAL_WAREHOUSE", None)
    return env


def test_portal_build_prints_one_line_per_file_and_survives_a_rejected_file(tmp_path, cli_env):
    landing = small_landing(tmp_path)
    warehouse = tmp_path / "out" / "portal.duckdb"
    done = portal("build", "--landing", str(landing), "--warehouse", str(warehouse), env=cli_env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "catalogue/c.csv: read 1, loaded 1, quarantined 0" in lines
    assert any(line.startswith("catalogue/no_codes.csv: REJECTED:") and "专业代码 (major_code)" in line
               for line in lines)
    assert "placements/p.csv: read 1, loaded 1, quarantined 0" in lines
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.major_gap").fetchone()[0] > 0
        assert con.execute("SELECT file FROM audit.rejected_files").fetchall() == [("catalogue/no_codes.csv",)]


def test_the_paths_of_portal_build_reach_the_run_as_its_settings(tmp_path, cli_env):
    # the flags name the landing folder and the warehouse; the environment names others, which must not be used
    landing = small_landing(tmp_path / "flag")
    warehouse = tmp_path / "flag" / "portal.duckdb"
    elsewhere = small_landing(tmp_path / "environment")
    (elsewhere / "placements" / "p.csv").unlink()
    env = cli_env | {"PORTAL_LANDING": str(elsewhere), "PORTAL_WAREHOUSE": str(tmp_path / "environment.duckdb")}
    done = portal("build", "--landing", str(landing), "--warehouse", str(warehouse), "--wait", "5", env=env)
    assert done.returncode == 0, done.stderr
    assert f"published {warehouse}" in done.stdout.splitlines()
    assert "placements/p.csv: read 1, loaded 1, quarantined 0" in done.stdout.splitlines()
    assert not (tmp_path / "environment.duckdb").exists()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT landing_dir FROM audit.build").fetchone() == (str(landing),)
    # the run's record in Dagster (what the UI shows as its launch config) says which paths it built with
    with dg.DagsterInstance.from_config(cli_env["DAGSTER_HOME"]) as instance:
        [run] = instance.get_runs()
        assert run.run_config["resources"]["portal"]["config"] == {
            "landing_dir": str(landing), "warehouse_path": str(warehouse), "lock_wait_seconds": 5.0}


def test_the_dagster_ui_sees_every_portal_build_with_its_steps_and_assets(tmp_path, cli_env):
    # `portal build` writes into the Dagster instance `portal ui` shows (its own event-log storage class)
    landing = small_landing(tmp_path)
    warehouse = tmp_path / "out" / "portal.duckdb"
    for _ in range(2):
        assert portal("build", "--landing", str(landing), "--warehouse", str(warehouse), env=cli_env).returncode == 0
    with dg.DagsterInstance.from_config(cli_env["DAGSTER_HOME"]) as instance:  # as the UI opens it
        runs = instance.get_runs()
        assert [run.status for run in runs] == [dg.DagsterRunStatus.SUCCESS] * 2
        latest = instance.get_latest_materialization_event(dg.AssetKey(["published_warehouse"]))
        assert latest is not None and latest.run_id == runs[0].run_id
        steps = instance.get_records_for_run(runs[0].run_id, of_type=dg.DagsterEventType.STEP_SUCCESS).records
        assert {"raw_sources", "sql_models", "published_warehouse"} <= {r.event_log_entry.step_key for r in steps}


def test_a_failing_blocking_check_keeps_the_published_warehouse(tmp_path, cli_env):
    good = small_landing(tmp_path / "good")
    warehouse = tmp_path / "out" / "portal.duckdb"
    assert portal("build", "--landing", str(good), "--warehouse", str(warehouse), env=cli_env).returncode == 0
    before = warehouse.read_bytes()
    # data staff edit a copy of the crosswalk and leave software engineering's weights summing to 0.9
    edited = tmp_path / "reference"
    shutil.copytree(settings.REFERENCE_DIR, edited)
    crosswalk = pd.read_csv(edited / "major_industry_crosswalk.csv", dtype=str)
    first = crosswalk.index[crosswalk.major_code == "080902"][0]
    crosswalk.loc[first, "weight"] = f"{float(crosswalk.loc[first, 'weight']) - 0.1:.2f}"
    crosswalk.to_csv(edited / "major_industry_crosswalk.csv", index=False)
    done = portal("build", "--landing", str(good), "--warehouse", str(warehouse),
                  env={**cli_env, "PORTAL_REFERENCE_DIR": str(edited)})
    assert done.returncode == 1
    assert "check reference/major_industry_crosswalk:crosswalk_weights_sum_to_one: FAILED" in done.stdout
    assert "NOT published" in done.stderr
    assert warehouse.read_bytes() == before
    # the failed build's own database stays beside the warehouse, for a look at what it made, until the next
    # build starts
    assert len(list(publication.builds_dir(warehouse).glob("*.duckdb"))) == 1


def test_personal_numbers_pasted_into_free_text_are_quarantined_masked(tmp_path, cli_env):
    # a clerk pasted a student's ID number into a survey's skills cell
    landing = small_landing(tmp_path, survey_skills="联系人身份证 110101200001011234")
    warehouse = tmp_path / "out" / "portal.duckdb"
    done = portal("build", "--landing", str(landing), "--warehouse", str(warehouse), env=cli_env)
    assert done.returncode == 0, done.stderr
    assert "survey/s.csv: read 1, loaded 0, quarantined 1" in done.stdout.splitlines()
    assert b"110101200001011234" not in warehouse.read_bytes()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        [(column, reason, raw)] = con.execute(
            "SELECT column_name, reason, raw_row::VARCHAR FROM audit.quarantine").fetchall()
    assert column == "skills" and "ID or mobile number" in reason and "联系人身份证" in raw


def test_build_without_landing_folder_says_what_to_do(tmp_path, cli_env):
    done = portal("build", "--landing", str(tmp_path / "nowhere"), "--warehouse", str(tmp_path / "w.duckdb"),
                  env=cli_env)
    assert done.returncode == 2 and "portal demo-data" in done.stderr


def test_demo_data_is_deterministic_through_the_cli(tmp_path, cli_env):
    for out in ("a", "b"):
        assert portal("demo-data", "--out", str(tmp_path / out), "--seed", "7", env=cli_env).returncode == 0
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b and len(files_a) >= 40
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files_a)


