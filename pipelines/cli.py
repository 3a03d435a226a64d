"""The `portal` command line: demo data, builds and the Dagster UI.

    portal demo-data [--out DIR] [--scale N] [--seed S]
    portal build [--landing DIR] [--warehouse FILE]
    portal ui
    portal export --parquet DIR [--warehouse FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sources import settings

# Default storage (SQLite under DAGSTER_HOME). Builds write one DuckDB file, so the run queue lets one
# build_warehouse run at a time: the sensor, the schedule and UI launches wait for each other.
DAGSTER_YAML = """\
run_queue:
  tag_concurrency_limits:
    - key: portal/writes
      value: build_database
      limit: 1
"""


def _use_paths(landing: str | None, warehouse: str | None) -> tuple[Path, Path]:
    """Resolve paths (flag, else environment, else default) and export them for the Dagster definitions."""
    landing_path = Path(landing).resolve() if landing else settings.landing_dir().resolve()
    warehouse_path = Path(warehouse).resolve() if warehouse else settings.warehouse_path().resolve()
    os.environ["PORTAL_LANDING"] = str(landing_path)
    os.environ["PORTAL_WAREHOUSE"] = str(warehouse_path)
    return landing_path, warehouse_path


def _dagster_home() -> Path:
    """Runs of `portal build` and `portal ui` share one Dagster instance, so the UI shows both."""
    home = Path(os.environ.get("DAGSTER_HOME") or settings.REPO_ROOT / ".dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def cmd_demo_data(args: argparse.Namespace) -> int:
    from sources.demo.generator import generate

    out = Path(args.out) if args.out else settings.landing_dir()
    manifest = generate(out, scale=args.scale, seed=args.seed)
    files = manifest.get("files", [])
    print(f"wrote {len(files)} source files of the Northeast scenario (scale {args.scale}, seed {args.seed}) to {out}")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    landing, warehouse = _use_paths(args.landing, args.warehouse)
    if not landing.is_dir():
        print(f"no landing folder at {landing}: run `portal demo-data` or point --landing at your files",
              file=sys.stderr)
        return 2
    _dagster_home()
    import dagster as dg

    from pipelines.build import run_build

    outcome = run_build(dg.DagsterInstance.get())
    for line in outcome.file_lines:
        print(line)
    for line in outcome.check_lines:
        print(line)
    if outcome.published:
        print(f"published {warehouse}")
        return 0
    print(f"NOT published: {outcome.failure or 'the build failed'}; {warehouse} is unchanged", file=sys.stderr)
    return 1


def cmd_export(args: argparse.Namespace) -> int:
    from warehouse.export import export_parquet

    warehouse = Path(args.warehouse).resolve() if args.warehouse else settings.warehouse_path().resolve()
    if not warehouse.is_file():
        print(f"no published warehouse at {warehouse}: run `portal build` first", file=sys.stderr)
        return 2
    manifest = export_parquet(warehouse, Path(args.parquet))
    for table, entry in manifest["tables"].items():
        partitioned = f"partitioned by {', '.join(entry['partition_by'])}" if entry["partition_by"] else "one file"
        print(f"{table}: {entry['rows']} rows → {Path(args.parquet) / entry['path']} ({partitioned})")
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    _use_paths(args.landing, args.warehouse)
    _dagster_home()
    dg_cli = Path(sys.executable).with_name("dg")
    command = [str(dg_cli), "dev", "--port", str(args.port)]
    os.environ["VIRTUAL_ENV"] = str(Path(sys.executable).parent.parent)  # the project's venv, as dg expects
    os.chdir(settings.REPO_ROOT)  # dg finds the project through pyproject.toml
    os.execv(command[0], command)
    return 0  # not reached


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="portal", description="School–enterprise cooperation portal")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo-data", help="write the Northeast demo scenario as source files")
    demo.add_argument("--out", help="landing folder to write (default: PORTAL_LANDING or sources/landing)")
    demo.add_argument("--scale", type=int, default=1, help="multiply universities, enterprises, students")
    demo.add_argument("--seed", type=int, default=2026, help="same seed, same bytes")
    demo.set_defaults(func=cmd_demo_data)

    build = sub.add_parser("build", help="load the landing folder, build and publish the warehouse")
    build.add_argument("--landing", help="landing folder (default: PORTAL_LANDING or sources/landing)")
    build.add_argument("--warehouse", help="published DuckDB file (default: PORTAL_WAREHOUSE or warehouse/portal.duckdb)")
    build.set_defaults(func=cmd_build)

    export = sub.add_parser("export", help="write the published facts and marts as partitioned Parquet")
    export.add_argument("--parquet", required=True, metavar="DIR", help="folder to write (hive layout)")
    export.add_argument("--warehouse", help="published DuckDB file (default: PORTAL_WAREHOUSE)")
    export.set_defaults(func=cmd_export)

    ui = sub.add_parser("ui", help="serve the Dagster UI (dg dev) on the same assets")
    ui.add_argument("--landing")
    ui.add_argument("--warehouse")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=cmd_ui)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
