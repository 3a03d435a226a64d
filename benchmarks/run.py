"""The national-scale benchmark (`make bench`): build time against the floor, memory, incremental builds,
dashboard pages and mart queries, for demo scales 1, 20 and 100.

    python -m benchmarks.run [--scales 1 20 100] [--out benchmarks/out]
    python -m benchmarks.run --pages WAREHOUSE      (only the pages and marts of a published warehouse)

For each scale it
1. writes the demo landing folder once (`portal demo-data --scale N`, kept in OUT/data/scale-N/ for the
   next run; generation is not timed);
2. measures **the floor**: every landing file merely read into a DuckDB table in a fresh database file
   (DuckDB's read_csv for CSV, after a strict GB18030 → UTF-8 transcode for GBK files, python-calamine for
   XLSX), in this process, two files at a time as the build's loaders read them (sources/loading.py,
   LOADERS); and, for comparison with earlier figures, one file at a time;
3. runs a **full build** (`portal build` as a subprocess into an empty output folder), timing the wall clock
   and the CPU seconds (user + system, of the build and the children it waited for; the floor's likewise, of
   this process: their ratio is how much more work a build does than reading, which a busy host does not move
   as much as the wall clock), and sampling the resident memory of the whole process tree every 50 ms from
   /proc (the sum over the build and any children it starts: the whole tree's peak, within 50 ms), and
   where the time went: each step's duration from the run's own records in Dagster, and each SQL model's (the
   skills and pay models' sum against the full build is issue 27's target);
4. runs the build again with **nothing changed** (the least any incremental build costs: Dagster's run, the
   copy of the publication, every file's fingerprint compared);
5. adds **one new file** (the largest placement CSV with other students' numbers: a late batch of new placements)
   and runs an **incremental build** on the already-built warehouse;
6. times, in a fresh Python process as a dashboard server is one, **mart queries** on the published warehouse
   (each mart read whole, first and second time) and, when dashboard/app.py exists, **each dashboard page**
   with Streamlit's AppTest (first and cached run).

Results: a table on stdout, OUT/results.csv and OUT/results.json (one record per scale).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas  # noqa: F401  (imported before timing: the first query must not pay for it)
import pyarrow as pa

from sources.kinds import KINDS
from sources.loading import LOADERS, connection_per_thread

REPO = Path(__file__).resolve().parent.parent
MARTS = ("gap_by_geography", "major_gap", "industry_gap", "internship_coverage", "base_utilisation",
         "pairing_suggestions")


# --- memory of a process tree ----------------------------------------------------------------------
def _tree(pid: int) -> list[int]:
    pids, stack = [], [pid]
    while stack:
        p = stack.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return pids


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cpu_seconds(who: int) -> float:
    """User + system CPU seconds of `resource.RUSAGE_SELF` or `RUSAGE_CHILDREN` (children that ended) so far."""
    used = resource.getrusage(who)
    return used.ru_utime + used.ru_stime


def run_measured(command: list[str], env: dict[str, str], log: Path) -> dict:
    """Run `command`, returning wall seconds, CPU seconds (of it and every child it waited for), the peak summed
    RSS of its process tree, and its exit code. The CPU seconds are what a build does whatever else the host is
    doing; the wall clock varies with it."""
    peak = 0
    cpu_before = cpu_seconds(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, sum(_rss_bytes(p) for p in _tree(proc.pid)))
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = proc.wait()
        done.set()
        sampler.join()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "cpu_s": cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_before,
            "peak_tree_rss_bytes": peak, "returncode": code}


# --- the floor ---------------------------------------------------------------------------------------
def _first_table_line(text: str) -> int:
    """Title rows above the header have no separators; skip them like any reader must."""
    for i, line in enumerate(text.splitlines()[:10]):
        if sum(line.count(d) for d in ",;\t|") >= 2:
            return i
    return 0


def _read_one(con: duckdb.DuckDBPyConnection, path: Path, table: str, tmp: Path) -> int:
    """One landing file into table `table`, with nothing but reading; returns its rows."""
    from python_calamine import CalamineWorkbook

    if path.suffix == ".xlsx":
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        width = max(len(r) for r in sheet)
        arrow = pa.table({f"c{j}": pa.array([str(r[j]) if j < len(r) and r[j] is not None else None
                                             for r in sheet], pa.string()) for j in range(width)})
        con.register("sheet", arrow)
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM sheet")
        con.unregister("sheet")
    else:
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
            readable = path
        except UnicodeDecodeError:
            text = data.decode("gb18030")
            readable = tmp / f"{table}.csv"
            readable.write_text(text, encoding="utf-8")
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, all_varchar = true, skip = ?, header = true)",
            [str(readable), _first_table_line(text[:65536])],
        )
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def floor_read(landing: Path, database: Path, side_by_side: int = 1) -> dict:
    """Read every landing file into its own DuckDB table, with nothing but reading: the floor. With
    `side_by_side` > 1, that many files at a time, each on a connection of its own, as the build's loaders do
    (sources/loading.py, LOADERS): DuckDB reads a file of fewer rows than a row group on one thread."""
    files = sorted(p for kind in KINDS for p in (landing / kind).glob("*.*"))
    cpu_before = cpu_seconds(resource.RUSAGE_SELF)
    start = time.perf_counter()
    with duckdb.connect(str(database)) as con, tempfile.TemporaryDirectory() as tmp:
        with connection_per_thread(con.cursor) as connection, ThreadPoolExecutor(max_workers=side_by_side) as pool:
            rows = sum(pool.map(lambda i: _read_one(connection(), files[i], f"t{i}", Path(tmp)), range(len(files))))
        con.execute("CHECKPOINT")
    return {"seconds": time.perf_counter() - start, "cpu_s": cpu_seconds(resource.RUSAGE_SELF) - cpu_before,
            "rows": rows}


# --- where a build's time went ---------------------------------------------------------------------------
def run_seconds(dagster_home: Path) -> tuple[dict[str, float], dict[str, float]]:
    """Where the latest run recorded in `dagster_home` spent its time, slowest first: each step's duration
    (Dagster's own step records), and each SQL model's (the models share one step, so each materialisation says
    what it took: pipelines/defs/assets.py, metadata `seconds`)."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            return {}, {}
        stats = instance.get_run_step_stats(runs[0].run_id)
        events = instance.all_logs(runs[0].run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
    steps = {s.step_key: round(s.end_time - s.start_time, 2) for s in stats if s.end_time and s.start_time}
    models = {}
    for event in events:
        materialization = event.dagster_event.event_specific_data.materialization
        # (the raw loaders record their seconds too, but they run side by side: a step of their own)
        if "seconds" in materialization.metadata and materialization.asset_key.path[0] != "raw":
            models[materialization.asset_key.to_user_string()] = materialization.metadata["seconds"].value
    return (dict(sorted(steps.items(), key=lambda kv: -kv[1])), dict(sorted(models.items(), key=lambda kv: -kv[1])))


def is_skills_and_pay(model_key: str) -> bool:
    """The models issue 27 (skills and pay) added: the skills vocabulary's matching, the skill marts and salary."""
    name = model_key.rsplit("/", 1)[-1]
    return "skill" in name or name == "salary"


# --- dashboard and marts -----------------------------------------------------------------------------
def time_marts(warehouse: Path) -> dict[str, dict[str, float]]:
    timings = {}
    for mart in MARTS:
        runs = []
        with duckdb.connect(str(warehouse), read_only=True) as con:
            for _ in range(2):
                t = time.perf_counter()
                con.execute(f"SELECT * FROM marts.{mart}").df()  # as a page gets it
                runs.append(time.perf_counter() - t)
            rows = con.execute(f"SELECT count(*) FROM marts.{mart}").fetchall()[0][0]
        timings[mart] = {"first_s": runs[0], "second_s": runs[1], "rows": rows}
    return timings


def pages_and_marts_in_new_process(warehouse: Path) -> tuple[dict, dict]:
    """time_marts and time_pages in a fresh Python process, as a dashboard server is one. Timed in the
    benchmark's own process right after the builds, the default page's cached run was several times slower
    than in a fresh process (benchmarks/RESULTS.md). The cause was not found: it is not Python's garbage
    collector, nor the floor's or the marts' reads earlier in the process (each tried alone)."""
    done = subprocess.run([sys.executable, "-m", "benchmarks.run", "--pages", str(warehouse)], cwd=REPO,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"timing the dashboard pages on {warehouse} failed:\n{done.stderr[-3000:]}")
    measured = json.loads(done.stdout)
    return measured["marts"], measured["pages"]


def time_pages(warehouse: Path) -> dict:
    """Server time of each dashboard page through AppTest: a first run with Streamlit's data caches cleared
    (the queries really run), then a second, cached run."""
    dashboard = REPO / "dashboard"
    app = dashboard / "app.py"
    if not app.exists():
        return {"skipped": "dashboard/app.py does not exist on this branch"}
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["PORTAL_WAREHOUSE"] = str(warehouse)
    os.environ["PORTAL_PUBLIC_PAGES"] = "all"
    pages = sorted(p for folder in ("app_pages", "pages") for p in (dashboard / folder).glob("*.py")
                   if not p.name.startswith("_"))
    results: dict[str, dict] = {}
    at = AppTest.from_file(str(app), default_timeout=300)
    # Every page is opened as the data staff open it: every query runs with the widest scope (the public sees no
    # university's or enterprise's own figures). The session is set, not typed into the sign-in form: what is
    # timed is the queries, not the password hash. Without the portal's accounts (an older branch) the pages
    # are opened as the public.
    try:
        from dashboard import auth, portal_state

        os.environ["PORTAL_STATE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='bench-state-')}/state.sqlite"
        os.environ.setdefault("PORTAL_SESSION_SECRET", "benchmark session key, long enough to sign")
        portal_state.add_account("bench-staff", portal_state.DATA_STAFF, None, "benchmark password", actor="bench")
        viewer = portal_state.Viewer(portal_state.DATA_STAFF, None, "bench-staff")
        at.session_state[auth.TOKEN_KEY] = portal_state.start_session(viewer).token
    except ImportError:
        pass
    # The app's very first run in a fresh process also imports Streamlit's and Altair's modules: timed on its
    # own, as the start-up a server pays once, not as a page's time.
    t = time.perf_counter()
    at.run()
    results["app start-up (first run in a new process, imports included)"] = {"seconds": time.perf_counter() - t}
    for page in [None, *pages]:
        name = "app.py (default page)" if page is None else page.relative_to(dashboard).as_posix()
        runs = []
        st.cache_data.clear()
        for _ in range(2):
            if page is not None:
                try:
                    at.switch_page(page.relative_to(dashboard).as_posix())
                except ValueError:  # not in this viewer's navigation
                    break
            t = time.perf_counter()
            at.run()
            runs.append(time.perf_counter() - t)
        if not runs:
            results[name] = {"skipped": "not in this viewer's navigation"}
            continue
        results[name] = {"first_s": runs[0], "cached_s": runs[1], "exceptions": len(at.exception)}
    return results


# --- one scale ---------------------------------------------------------------------------------------
def landing_for(scale: int, out: Path) -> tuple[Path, float | None]:
    folder = out / "data" / f"scale-{scale}"
    landing = folder / "landing"
    if (landing / "demo_manifest.json").exists():
        return landing, None
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipelines.cli", "demo-data", "--out", str(landing), "--scale",
                    str(scale)], check=True, cwd=REPO)
    return landing, time.perf_counter() - start


def row_counts(warehouse: Path) -> dict[str, dict[str, int]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT kind, count(*), sum(rows_read), sum(rows_loaded), sum(rows_quarantined) FROM audit.load_log "
            "GROUP BY kind").fetchall()
    return {k: {"files": f, "rows_read": int(r), "rows_loaded": int(lo), "rows_quarantined": int(q)}
            for k, f, r, lo, q in rows}


def new_content(data: bytes) -> bytes:
    """A placement file of new placements: every row of `data` with the student number prefixed by 9 (other
    students, so each row is a placement the warehouse does not hold yet: a late batch of one province's
    year), written with the file's own line ending. The student number is the second column of the demo's
    placement files."""
    ending = b"\r\n" if b"\r\n" in data[:4096] else b"\n"
    header, *rows = data.rstrip(b"\r\n").split(ending)
    return ending.join([header, *(row.replace(b",", b",9", 1) for row in rows)]) + ending


def new_file_path(landing: Path) -> Path:
    return landing / "placements" / "zz_bench_new_file.csv"


@contextmanager
def new_file_in(landing: Path) -> Iterator[Path]:
    """The benchmark's one new file (`new_content` of the largest placement CSV) in `landing` while the block
    runs, removed afterwards; yields the file it was made from."""
    source = max(landing.glob("placements/*.csv"), key=lambda p: p.stat().st_size)
    extra = new_file_path(landing)
    extra.write_bytes(new_content(source.read_bytes()))
    try:
        yield source
    finally:
        extra.unlink()


def build_command(landing: Path, warehouse: Path) -> list[str]:
    return [sys.executable, "-m", "pipelines.cli", "build", "--landing", str(landing), "--warehouse", str(warehouse)]


def measured_build(command: list[str], env: dict[str, str], log: Path, what: str) -> dict:
    """`run_measured` for a build that must succeed (else the benchmark stops, naming its log)."""
    result = run_measured(command, env, log)
    if result["returncode"] != 0:
        raise SystemExit(f"{what} failed; see {log}")
    return result


def bench_scale(scale: int, out: Path) -> dict:
    landing, generated_s = landing_for(scale, out)
    work = out / "runs" / f"scale-{scale}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    new_file_path(landing).unlink(missing_ok=True)  # left over from an interrupted run
    landing_bytes = sum(p.stat().st_size for p in landing.rglob("*") if p.is_file())

    print(f"[scale {scale}] floor: reading {landing} into DuckDB, {LOADERS} files at a time as the build does, "
          "then one at a time", flush=True)
    floor = floor_read(landing, work / "floor.duckdb", side_by_side=LOADERS)
    (work / "floor.duckdb").unlink()
    floor_one_at_a_time = floor_read(landing, work / "floor.duckdb")
    (work / "floor.duckdb").unlink()

    warehouse = work / "warehouse" / "portal.duckdb"
    env = {**os.environ, "DAGSTER_HOME": str(work / "dagster_home"), "PORTAL_SECRET": "benchmark pseudonymisation key"}
    (work / "dagster_home").mkdir()
    command = build_command(landing, warehouse)
    print(f"[scale {scale}] full build", flush=True)
    full = measured_build(command, env, work / "full_build.log", f"full build at scale {scale}")
    counts = row_counts(warehouse)
    full_steps, full_models = run_seconds(work / "dagster_home")
    skills_s = sum(v for k, v in full_models.items() if is_skills_and_pay(k))

    # the same files again: what any build costs before it has anything to do (Dagster's run, the copy of
    # the publication, every file's fingerprint compared), the least an incremental build can take
    print(f"[scale {scale}] build with nothing changed", flush=True)
    unchanged = measured_build(command, env, work / "unchanged_build.log",
                               f"the build with nothing changed at scale {scale}")

    with new_file_in(landing) as source:
        print(f"[scale {scale}] incremental build (one new file: {source.name} with other students)", flush=True)
        incremental = measured_build(command, env, work / "incremental_build.log",
                                     f"incremental build at scale {scale}")
    incremental_steps, _ = run_seconds(work / "dagster_home")
    reread = sum("rows reused" not in line and ": read " in line
                 for line in (work / "incremental_build.log").read_text().splitlines())

    marts, pages = pages_and_marts_in_new_process(warehouse)
    return {
        "scale": scale,
        "landing_files": sum(c["files"] for c in counts.values()),
        "landing_bytes": landing_bytes,
        "rows": counts,
        "generate_s": generated_s,
        "floor_s": floor["seconds"],
        "floor_rows": floor["rows"],
        "full_build_s": full["seconds"],
        "build_over_floor": full["seconds"] / floor["seconds"],
        # CPU seconds, steadier than the wall clock on a shared host: how much more work a build does than reading
        "floor_cpu_s": floor["cpu_s"],
        "full_build_cpu_s": full["cpu_s"],
        "build_cpu_over_floor_cpu": full["cpu_s"] / floor["cpu_s"],
        # the floor as sessions before the eighth measured it, when the build also read one file at a time
        "floor_one_at_a_time_s": floor_one_at_a_time["seconds"],
        "build_over_floor_one_at_a_time": full["seconds"] / floor_one_at_a_time["seconds"],
        "peak_tree_rss_bytes": full["peak_tree_rss_bytes"],
        "unchanged_build_s": unchanged["seconds"],
        "unchanged_build_cpu_s": unchanged["cpu_s"],
        "unchanged_over_full": unchanged["seconds"] / full["seconds"],
        "incremental_build_s": incremental["seconds"],
        "incremental_build_cpu_s": incremental["cpu_s"],
        "incremental_over_full": incremental["seconds"] / full["seconds"],
        "incremental_files_read": reread,
        "incremental_peak_tree_rss_bytes": incremental["peak_tree_rss_bytes"],
        "warehouse_bytes": warehouse.stat().st_size,
        "marts": marts,
        "pages": pages,
        "full_build_steps_s": full_steps,
        "full_build_models_s": full_models,
        # issue 27's target: the skills and pay models' share of a full build
        "skills_and_pay_models_s": skills_s,
        "skills_and_pay_over_full": skills_s / full["seconds"],
        "incremental_build_steps_s": incremental_steps,
    }


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) * 1024 for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_bytes": mem, "python": platform.python_version(),
            "duckdb": duckdb.__version__, "platform": platform.platform()}


def table(results: list[dict]) -> str:
    gib = 1024 ** 3
    header = ["scale", "files", *KINDS, "floor s", "floor 1x s", "build s",
              "build/floor", "CPU build/floor",
              "peak RSS GiB", "unchanged s", "incr s", "incr/full", "slowest mart s", "slowest page s (1st/cached)"]
    lines = [header]
    for r in results:
        pages = {k: v for k, v in r["pages"].items() if isinstance(v, dict) and "first_s" in v}
        slowest_page = (f"{max(p['first_s'] for p in pages.values()):.2f}/"
                        f"{max(p['cached_s'] for p in pages.values()):.2f}") if pages else "skipped"
        lines.append([
            str(r["scale"]), str(r["landing_files"]),
            *(str(r["rows"].get(k, {}).get("rows_read", 0)) for k in KINDS),
            f"{r['floor_s']:.1f}", f"{r.get('floor_one_at_a_time_s', float('nan')):.1f}",
            f"{r['full_build_s']:.1f}", f"{r['build_over_floor']:.2f}",
            f"{r['build_cpu_over_floor_cpu']:.2f}" if "build_cpu_over_floor_cpu" in r else "",
            f"{r['peak_tree_rss_bytes'] / gib:.2f}", f"{r['unchanged_build_s']:.1f}", f"{r['incremental_build_s']:.1f}",
            f"{r['incremental_over_full']:.2f}",
            f"{max(m['first_s'] for m in r['marts'].values()):.3f}", slowest_page,
        ])
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", type=int, default=[1, 20, 100])
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out")
    parser.add_argument("--pages", type=Path, metavar="WAREHOUSE",
                        help="only time the dashboard pages and marts on this published warehouse")
    args = parser.parse_args(argv)
    if args.pages:
        print(json.dumps({"pages": time_pages(args.pages.resolve()), "marts": time_marts(args.pages.resolve())},
                         indent=2))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for scale in args.scales:
        results.append(bench_scale(scale, args.out.resolve()))
        report = {"machine": machine(), "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                  "results": results}
        # written after every scale, so a long run that is stopped keeps what it measured
        (args.out / "results.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    flat = [{k: v for k, v in r.items() if not isinstance(v, dict)}
            | {f"rows_{k}": r["rows"].get(k, {}).get("rows_read", 0) for k in KINDS} for r in results]
    with (args.out / "results.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(flat[0]))
        writer.writeheader()
        writer.writerows(flat)
    print(table(results))
    for r in results:
        print(f"scale {r['scale']}: pages {json.dumps(r['pages'])}")
        for build in ("full", "incremental"):
            slowest = list(r[f"{build}_build_steps_s"].items())[:6]
            print(f"scale {r['scale']}: {build} build's slowest steps " + ", ".join(f"{k} {v:.1f} s" for k, v in slowest))
        slowest_models = list(r["full_build_models_s"].items())[:8]
        print(f"scale {r['scale']}: full build's slowest models " + ", ".join(f"{k} {v:.1f} s" for k, v in slowest_models))
        print(f"scale {r['scale']}: skills and pay models {r['skills_and_pay_models_s']:.1f} s, "
              f"{r['skills_and_pay_over_full']:.1%} of the full build")
    print(f"written {args.out / 'results.csv'} and {args.out / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
