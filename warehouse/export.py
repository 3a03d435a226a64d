"""Exporting the published warehouse as Parquet, for engines past one machine (Spark, Trino, DuckDB elsewhere).

    portal export --parquet DIR

writes `DIR/<schema>/<table>/` for every fact and mart table, hive-partitioned (`year=2024/province_name=…/
data_0.parquet`), and every dimension as one unpartitioned file `DIR/dims/<table>/data_0.parquet`, plus
`DIR/_manifest.json` (tables, partition columns, row counts, the warehouse it came from). Partition values
are written by DuckDB's hive writer: non-ASCII and reserved characters percent-encoded (Spark, Trino and
DuckDB decode them), NULL as `__HIVE_DEFAULT_PARTITION__`.

The published file is opened read-only, so an export never blocks the dashboard or a running build.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb

from warehouse import connection

#: partition columns per exported table: year, then the province the row belongs to. The gap marts are
#: rows per geography (region, province or city), so they split by geography level: a reader wanting one
#: province filters on `geography`, a single small column within the level's files.
PARTITIONS: dict[str, tuple[str, ...]] = {
    "facts.supply": ("year", "province_name"),
    "facts.demand": ("year", "province_name"),
    "facts.placements": ("year", "province_name"),
    "facts.supply_demand_by_city": ("year", "province_name"),
    "facts.internship_counts": ("year", "province_name"),
    "facts.internship_rollup": ("year", "geography_level"),
    "marts.gap_by_geography": ("year", "geography_level"),
    "marts.major_gap": ("year", "geography_level"),
    "marts.industry_gap": ("year", "geography_level"),
    "marts.major_cards": ("year", "geography_level"),
    "marts.internship_coverage": ("year", "province_name"),
    "marts.base_utilisation": ("year", "province_name"),
    # suggestions name an enterprise and a university, which may be in different provinces
    "marts.pairing_suggestions": ("year",),
    # the dashboard's marts: per geography like the gap marts, or (base placements) per base, which has no
    # province column of its own
    "marts.headline": ("year", "geography_level"),
    "marts.pillar_gap": ("year", "geography_level"),
    "marts.major_industry_links": ("year", "geography_level"),
    "marts.internship_figures": ("year", "geography_level"),
    "marts.internship_by_geography": ("year", "geography_level"),
    "marts.base_placements": ("year",),
    "marts.internship_totals": ("year", "geography_level"),
    "marts.internship_wordings": ("year",),
    # decision support (scorecard, outlook) and the national platform's export
    "marts.demand_share_trend": ("year",),
    "marts.scorecard": ("year", "province_name"),
    "marts.enrolment": ("year", "province_name"),
    "marts.platform_placements": ("year", "province_name"),
    # skills and pay: a position's skills carry no year of their own (facts.position_skills joins the position's)
    "facts.position_skills": (),
    "facts.curriculum_skills": ("year",),
    "marts.skill_demand": ("year", "geography_level"),
    "marts.major_top_skills": ("year", "geography_level"),
    "marts.salary": ("year", "geography_level"),
    "marts.skill_gap": ("year", "province_name"),
    "marts.skill_teaching": ("year", "province_name"),
    "marts.unmatched_skill_pieces": ("year",),
}
#: dimensions are small look-up tables: one file each, for joins on the engine's side
UNPARTITIONED_SCHEMAS = ("dims",)


def exported_tables(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, ...]]:
    """Every table the export writes → its partition columns (empty for a single file)."""
    tables = [f"{s}.{t}" for s, t in con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN ('dims', 'facts', 'marts') "
        "ORDER BY ALL").fetchall()]
    unknown = [t for t in tables if t.split(".")[0] != "dims" and t not in PARTITIONS]
    if unknown:  # a new fact or mart must be given its partition columns here, not silently skipped
        raise ValueError(f"no partition columns declared for {', '.join(unknown)} in warehouse/export.py")
    return {t: PARTITIONS.get(t, ()) for t in tables}


def _select(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The table's columns; HUGEINT sums become BIGINT (Parquet has no 128-bit integer, DuckDB would write
    DOUBLE) and UUIDs (student keys) their text (Parquet's UUID type is one Spark refuses to read)."""
    schema, name = table.split(".")
    columns = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
        "ORDER BY column_index", [schema, name]).fetchall()
    casts = {"HUGEINT": "BIGINT", "UUID": "VARCHAR"}
    return ", ".join(f'"{c}"::{casts[t]} AS "{c}"' if t in casts else f'"{c}"' for c, t in columns)


def export_parquet(warehouse: Path, out: Path) -> dict:
    """Write the facts, marts and dimensions of the published `warehouse` under `out`; returns the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict = {"warehouse": str(warehouse), "exported_at": dt.datetime.now(dt.UTC).isoformat(
        timespec="seconds"), "tables": {}}
    with connection.reader(warehouse) as con:
        for table, partition in exported_tables(con).items():
            target = out / table.split(".")[0] / table.split(".")[1]
            shutil.rmtree(target, ignore_errors=True)  # a previous export's partitions must not linger
            target.mkdir(parents=True)
            rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            # a partitioned write of no rows writes no file at all, and a reader would find nothing to read: an
            # empty table (no unrecognised internship wordings, say) is one empty file that still has its columns
            if partition and rows:
                options = f"FORMAT parquet, PARTITION_BY ({', '.join(partition)}), COMPRESSION zstd"
                destination = target.as_posix()
            else:
                options = "FORMAT parquet, COMPRESSION zstd"
                destination = (target / "data_0.parquet").as_posix()
            escaped = destination.replace("'", "''")
            con.execute(f"COPY (SELECT {_select(con, table)} FROM {table}) TO '{escaped}' ({options})")
            manifest["tables"][table] = {"path": target.relative_to(out).as_posix(), "partition_by": list(partition),
                                         "rows": rows}
    (out / "_manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return manifest
