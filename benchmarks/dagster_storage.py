"""What Dagster's storage costs a build: the benchmark's builds with nothing changed and with its one new file,
run against copies of a benchmarked warehouse with the default SQLite instance and with the production
instance (deploy/dagster.yaml) on a real local PostgreSQL server (fsync on, its default).

    python -m benchmarks.dagster_storage [--scales 20 100]    (after `make bench` for those scales)

Each storage gets its own copy of `benchmarks/out/runs/scale-N/warehouse/portal.duckdb` and its own Dagster
home, then: one build to settle (the benchmark leaves its new file's rows in the warehouse: this removes them),
two builds with nothing changed, one with the new file, one without it again. Prints the seconds as JSON.
Needs the Debian package `postgresql` (tests/postgres_server.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

from benchmarks.run import REPO, build_command, measured_build, new_file_in, new_file_path
from tests.postgres_server import running_postgres


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", type=int, default=[20, 100])
    args = parser.parse_args(argv)
    results: dict[str, dict] = {}
    with running_postgres(fsync=True) as server, tempfile.TemporaryDirectory(prefix="portal-storage-") as work:
        if server is None:
            raise SystemExit("PostgreSQL server binaries not installed (apt-get install postgresql)")
        for scale in args.scales:
            landing = REPO / "benchmarks" / "out" / "data" / f"scale-{scale}" / "landing"
            published = REPO / "benchmarks" / "out" / "runs" / f"scale-{scale}" / "warehouse" / "portal.duckdb"
            if not published.exists():
                raise SystemExit(f"no benchmarked warehouse at {published}: run `make bench SCALES={scale}` first")
            new_file_path(landing).unlink(missing_ok=True)  # left over from an interrupted run
            for storage in ("sqlite", "postgres"):
                folder = Path(work) / f"{storage}-{scale}"
                home, warehouse = folder / "dagster_home", folder / "warehouse" / "portal.duckdb"
                home.mkdir(parents=True)
                warehouse.parent.mkdir(parents=True)
                shutil.copy(published, warehouse)
                env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "DAGSTER_"))}
                env.update(DAGSTER_HOME=str(home), PORTAL_SECRET="benchmark pseudonymisation key")
                if storage == "postgres":
                    shutil.copy(REPO / "deploy" / "dagster.yaml", home / "dagster.yaml")
                    env.update(server.dagster_env())
                command, log = build_command(landing, warehouse), published.parents[1] / f"{storage}_storage_build.log"
                what = f"a build at scale {scale} on {storage} storage"
                measured_build(command, env, log, what)
                unchanged = [round(measured_build(command, env, log, what)["seconds"], 1) for _ in range(2)]
                with new_file_in(landing):
                    incremental = round(measured_build(command, env, log, what)["seconds"], 1)
                measured_build(command, env, log, what)
                shutil.rmtree(folder)
                results[f"scale {scale}, {storage}"] = {"nothing changed s": unchanged, "incremental s": incremental}
                print(f"scale {scale}, {storage}: {results[f'scale {scale}, {storage}']}", flush=True)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
