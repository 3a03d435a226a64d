"""`portal export --parquet DIR`: the facts, marts and dimensions as hive-partitioned Parquet that another engine
reads back to exactly the warehouse's rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pytest


@pytest.fixture(scope="module")
def exported(demo_build, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("parquet")
    env = {k: v for k, v in os.environ.items() if k != "PORTAL_WAREHOUSE"}
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", "export", "--parquet", str(out), "--warehouse",
                           str(demo_build.warehouse)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "facts.placements: " in done.stdout and "partitioned by year, province_name" in done.stdout
    return out


def test_every_fact_mart_and_dimension_reads_back_identical(demo_build, exported):
    with demo_build.connect() as con:
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() "
                             "WHERE schema_name IN ('dims', 'facts', 'marts') ORDER BY ALL").fetchall()
        assert len(tables) >= 17
        for schema, table in tables:
            columns = con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
                "ORDER BY column_index", [schema, table]).fetchall()
            files = (exported / schema / table).as_posix() + "/**/*.parquet"
            # read as any engine would: partition columns come back from the directory names
            typed = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in columns)
            back = f"SELECT {typed} FROM read_parquet('{files}', hive_partitioning = true)"
            here = f"SELECT * FROM {schema}.{table}"
            count = con.execute(f"SELECT count(*) FROM {schema}.{table}").fetchone()[0]
            assert con.execute(f"SELECT count(*) FROM ({back})").fetchone()[0] == count, f"{schema}.{table}"
            for a, b in ((here, back), (back, here)):
                missing = con.execute(f"SELECT count(*) FROM ({a} EXCEPT ALL {b})").fetchone()[0]
                assert missing == 0, f"{schema}.{table}: {missing} row(s) differ after the round trip"


def test_facts_are_split_by_year_and_province(demo_build, exported):
    with demo_build.connect() as con:
        expected = set(con.execute("SELECT DISTINCT year, province_name FROM facts.placements").fetchall())
    folders = {
        (int(year.name.removeprefix("year=")), unquote(province.name.removeprefix("province_name=")))
        for year in (exported / "facts" / "placements").iterdir()
        for province in year.iterdir()
    }
    assert folders == expected
    assert {p for _, p in folders} == {"辽宁省", "吉林省", "黑龙江省"}
    # one province-year is one folder: reading it alone reads only that partition's rows
    with duckdb.connect() as con:
        rows = con.execute(
            "SELECT count(*), count(DISTINCT province_name) FROM read_parquet(?, hive_partitioning = true) "
            "WHERE year = 2024 AND province_name = '吉林省'",
            [(exported / "facts" / "placements").as_posix() + "/**/*.parquet"]).fetchone()
    with demo_build.connect() as con:
        [(jilin_2024,)] = con.execute(
            "SELECT count(*) FROM facts.placements WHERE year = 2024 AND province_name = '吉林省'").fetchall()
    assert rows == (jilin_2024, 1) and jilin_2024 > 1000


def test_the_manifest_lists_each_table_with_its_partitions(demo_build, exported):
    manifest = json.loads((exported / "_manifest.json").read_text(encoding="utf-8"))
    assert manifest["tables"]["marts.major_gap"]["partition_by"] == ["year", "geography_level"]
    assert manifest["tables"]["dims.major"]["partition_by"] == []
    with demo_build.connect() as con:
        for table, entry in manifest["tables"].items():
            assert entry["rows"] == con.execute(f"SELECT count(*) FROM {table}").fetchone()[0], table
