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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.run import REPO, new_content
from tests.postgres_server import running_postgres


def build(landing: Path, warehouse: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", "build", "--landing", str(landing), "--warehouse",
                           str(warehouse)], env=env, cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"build failed:\n{done.stderr[-3000:]}")
    return round(time.perf_counter() - started, 1)


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
            extra = landing / "placements" / "zz_bench_new_file.csv"
            extra.unlink(missing_ok=True)
            source = max(landing.glob("placements/*.csv"), key=lambda p: p.stat().st_size)
            for storage in ("sqlite", "postgres"):
                folder = Path(work) / f"{storage}-{scale}"
                home, warehouse = folder / "dagster_home", folder / "warehouse" / "portal.duckdb"
                home.mkdir(parents=True)
                warehouse.parent.mkdir(parents=True)
                shutil.copy(published, warehouse)
                env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "DAGSTER_"))}
                env.update(DAGSTER_HOME=str(home), PORTAL_SECRET="benchmark key")
                if storage == "postgres":
                    shutil.copy(REPO / "deploy" / "dagster.yaml", home / "dagster.yaml")
                    env.update(server.dagster_env())
                build(landing, warehouse, env)
                unchanged = [build(landing, warehouse, env), build(landing, warehouse, env)]
                extra.write_bytes(new_content(source.read_bytes()))
                try:
                    incremental = build(landing, warehouse, env)
                finally:
                    extra.unlink()
                build(landing, warehouse, env)
                shutil.rmtree(folder)
                results[f"scale {scale}, {storage}"] = {"nothing changed s": unchanged, "incremental s": incremental}
                print(f"scale {scale}, {storage}: {results[f'scale {scale}, {storage}']}", flush=True)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
