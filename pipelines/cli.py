"""The `portal` command line: demo data, builds, the dashboard and the Dagster UI.

    portal demo-data [--out DIR] [--scale N] [--seed S]
    portal build [--landing DIR] [--warehouse FILE] [--wait SECONDS] [--rekey]
    portal status [--warehouse FILE]
    portal rollback [--warehouse FILE]
    portal purge-previous [--warehouse FILE]
    portal dashboard [--port P] [--address A] [--public] [--warehouse FILE]
    portal ui [--port P]
    portal serve [--dashboard-port P] [--ui-port P]    both servers until Ctrl-C (what `make demo` ends with)
    portal export --parquet DIR [--warehouse FILE]
    portal users add|list|disable|enable|reset-password …    the portal's accounts (pipelines/accounts_cli.py)
    portal demo-accounts [--warehouse FILE]                    one DEMO account per role (make demo)
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import sys
import uuid
from pathlib import Path

from sources import settings as sources_settings
from sources.landing_folder import printable
from warehouse import settings as warehouse_settings

# SQLite storage under DAGSTER_HOME, in Dagster's own layout; the event log keeps its connections open
# (pipelines/event_log.py; {event_logs} is DAGSTER_HOME/history/runs, as by default). Builds write one DuckDB
# file, so the run queue lets one build_warehouse run at a time: the sensor, the schedule and UI launches wait
# for each other.
DAGSTER_YAML = """\
telemetry:
  enabled: false
event_log_storage:
  module: pipelines.event_log
  class: KeptConnectionSqliteEventLogStorage
  config:
    base_dir: {event_logs}
run_queue:
  tag_concurrency_limits:
    - key: portal/writes
      value: build_database
      limit: 1
"""


#: `portal build` / `portal rollback` exit status when another build holds the lock
EXIT_LOCKED = 3

# The ports the README promises for `make demo`; servers listen on this machine only unless told otherwise.
DASHBOARD_APP = sources_settings.REPO_ROOT / "dashboard" / "app.py"
DASHBOARD_PORT = 8501
UI_PORT = 3000
LOCALHOST = "127.0.0.1"


#: where a command's paths come from when no flag names them (_use_paths)
LANDING_HELP = "landing folder (default: PORTAL_LANDING or sources/landing)"
WAREHOUSE_HELP = "published DuckDB file (default: PORTAL_WAREHOUSE or warehouse/portal.duckdb)"


def _use_paths(landing: str | None, warehouse: str | None) -> tuple[Path, Path]:
    """The landing folder and the warehouse a command works on: the flag, else the environment, else the
    default. They are handed on as arguments (a build: its run's resource config; a server: its environment)."""
    landing_path = Path(landing).resolve() if landing else sources_settings.landing_dir().resolve()
    warehouse_path = Path(warehouse).resolve() if warehouse else warehouse_settings.warehouse_path().resolve()
    return landing_path, warehouse_path


def _child_environment(landing: Path | None, warehouse: Path) -> dict[str, str]:
    """The environment of a server this command becomes (`dg dev`, Streamlit), which reads its paths from it."""
    paths = {"PORTAL_WAREHOUSE": str(warehouse)} | ({"PORTAL_LANDING": str(landing)} if landing else {})
    return os.environ | paths


def _dagster_home() -> Path:
    """Runs of `portal build` and `portal ui` share one Dagster instance, so the UI shows both."""
    home = Path(os.environ.get("DAGSTER_HOME") or sources_settings.REPO_ROOT / ".dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML.format(event_logs=json.dumps(str(home.resolve() / "history" / "runs"))),
                          encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def cmd_demo_data(args: argparse.Namespace) -> int:
    from sources.demo.generator import generate

    out = Path(args.out) if args.out else sources_settings.landing_dir()
    manifest = generate(out, scale=args.scale, seed=args.seed)
    files = manifest.get("files", [])
    print(f"wrote {len(files)} source files of the Northeast scenario (scale {args.scale}, seed {args.seed}) to {out}")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    landing, warehouse = _use_paths(args.landing, args.warehouse)
    if not landing.is_dir():
        print(printable(f"no landing folder at {landing}: run `portal demo-data` or point --landing at your files"),
              file=sys.stderr)
        return 2
    _dagster_home()
    from pipelines.defs.resources import portal_resource
    from warehouse import publication

    portal = portal_resource(landing, warehouse, args.wait)

    run_id = str(uuid.uuid4())
    try:
        # The lock is taken and the copy of the publication the run starts from begun now, in a thread, so that
        # the copy runs while Dagster is imported, its instance made and the run set up (a second or two of
        # Python). run_build takes both again, as re-entrant, so a refusal is this one line.
        with publication.building(warehouse, publication.build_file(warehouse, run_id), "portal build",
                                  portal.lock_wait_seconds):
            import dagster as dg

            from pipelines.build import run_build

            before = publication.published_build(warehouse) or {}
            outcome = run_build(dg.DagsterInstance.get, run_id=run_id, rekey=args.rekey, portal=portal)
    except publication.BuildLockHeld as err:
        print(printable(str(err)), file=sys.stderr)
        return EXIT_LOCKED
    # every line escaped: file and folder names (in the lines and in a failure's reason) may hold a newline or
    # a terminal code that would forge or hide a line of this output
    for line in outcome.file_lines + outcome.check_lines:
        print(printable(line))
    if outcome.published:
        print(printable(f"published {warehouse}"))
        if args.rekey:
            old, new = before.get("key_fingerprint"), (publication.published_build(warehouse) or {}).get(
                "key_fingerprint")
            print(f"--rekey: the pseudonymisation key is the one the warehouse was built with (fingerprint {new}); "
                  "no pseudonym changed" if old == new else
                  f"--rekey: pseudonymisation key fingerprint {old or 'not recorded'} → {new}: every student has "
                  "a new pseudonym")
        return 0
    print(printable(f"NOT published: {outcome.failure or 'the build failed'}; {warehouse} is unchanged"),
          file=sys.stderr)
    return 1


def cmd_status(args: argparse.Namespace) -> int:
    from warehouse import connection, publication
    from warehouse.status import format_time, read_status, status_lines

    _, warehouse = _use_paths(None, args.warehouse)
    holder = publication.lock_holder(warehouse)
    if holder:
        print(printable(f"a build is running now: {holder}"))
    if not warehouse.exists():
        print(printable(f"nothing published yet at {warehouse}: run `portal build`"), file=sys.stderr)
        return 1
    with connection.reader(warehouse) as con:
        lines = status_lines(read_status(con))  # (escaped)
    print(printable(f"published warehouse {warehouse}"))
    for line in lines:
        print(line)
    previous = publication.previous_path(warehouse)
    replaced_at = publication.previous_replaced_at(warehouse)
    print(printable(f"previous publication: {previous} (replaced {format_time(replaced_at)}; deleted by the first "
                    f"build or rollback {warehouse_settings.previous_retention_days():g} days after that, "
                    "PORTAL_PREVIOUS_RETENTION_DAYS)") if replaced_at else "previous publication: none")
    return 0


def _describe(path: Path) -> str:
    from warehouse import connection
    from warehouse.status import format_time

    try:
        with connection.reader(path) as con:
            build_id, published_at = con.execute("SELECT build_id, published_at FROM audit.build").fetchone()
        return f"build {build_id} published {format_time(published_at)}"
    except Exception:  # a publication made before audit.build existed
        return "a build of unknown id (published before audit.build existed)"


def cmd_rollback(args: argparse.Namespace) -> int:
    from warehouse import publication

    _, warehouse = _use_paths(None, args.warehouse)
    try:
        with publication.build_lock(warehouse, "portal rollback"):
            retention = warehouse_settings.previous_retention_days()
            if publication.expire_previous(warehouse, retention):
                print(f"deleted the previous publication {publication.previous_path(warehouse)}: replaced more "
                      f"than {retention:g} days ago (PORTAL_PREVIOUS_RETENTION_DAYS)", file=sys.stderr)
            previous = publication.previous_path(warehouse)
            restored = _describe(previous) if previous.exists() else None
            replaced = _describe(warehouse) if warehouse.exists() else None
            publication.rollback(warehouse)
    except publication.BuildLockHeld as err:
        print(str(err).replace("not started", "not rolled back"), file=sys.stderr)
        return EXIT_LOCKED
    except publication.NothingToRollBack as err:
        print(f"nothing rolled back: {err}", file=sys.stderr)
        return 1
    print(f"restored {restored} at {warehouse}")
    if replaced:
        print(f"kept the replaced {replaced} as {publication.previous_path(warehouse)} "
              "(`portal rollback` again undoes this)")
    return 0


def cmd_purge_previous(args: argparse.Namespace) -> int:
    from warehouse import publication

    _, warehouse = _use_paths(None, args.warehouse)
    try:
        with publication.build_lock(warehouse, "portal purge-previous"):
            previous = publication.previous_path(warehouse)
            described = _describe(previous) if previous.exists() else None
            removed = publication.purge(warehouse)
    except publication.BuildLockHeld as err:
        print(str(err).replace("not started", "nothing purged"), file=sys.stderr)
        return EXIT_LOCKED
    if not removed:
        print(f"nothing to purge: no previous publication of {warehouse} and no files left by builds")
        return 0
    for path in removed:
        print(f"deleted {path}" + (f" (the previous publication: {described})" if path == previous else ""))
    print(f"only the publication {warehouse} is left; `portal rollback` has nothing to restore until the next build")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from warehouse.export import export_parquet

    _, warehouse = _use_paths(None, args.warehouse)
    if not warehouse.is_file():
        print(f"no published warehouse at {warehouse}: run `portal build` first", file=sys.stderr)
        return 2
    manifest = export_parquet(warehouse, Path(args.parquet))
    for table, entry in manifest["tables"].items():
        partitioned = f"partitioned by {', '.join(entry['partition_by'])}" if entry["partition_by"] else "one file"
        print(f"{table}: {entry['rows']} rows → {Path(args.parquet) / entry['path']} ({partitioned})")
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    landing, warehouse = _use_paths(args.landing, args.warehouse)
    _dagster_home()
    dg_cli = Path(sys.executable).with_name("dg")
    command = [str(dg_cli), "dev", "--port", str(args.port)]
    # the runs the UI launches take their paths from its environment (pipelines/defs/resources.py)
    environment = _child_environment(landing, warehouse)
    environment["VIRTUAL_ENV"] = str(Path(sys.executable).parent.parent)  # the project's venv, as dg expects
    os.chdir(sources_settings.REPO_ROOT)  # dg finds the project through pyproject.toml
    os.execve(command[0], command, environment)
    return 0  # not reached


def dashboard_command(port: int, address: str = LOCALHOST) -> list[str]:
    """`streamlit run` of the dashboard with the venv's Streamlit, as a server and nothing else.

    Headless (never opens a browser), no usage statistics sent, and no file watcher: this serves a
    published app; for live reloading while editing pages, run `streamlit run dashboard/app.py` yourself.
    A set browser.serverAddress also keeps Streamlit from asking an outside service for this machine's
    public IP address to print it.
    """
    from dashboard import settings as dashboard_settings

    return [
        sys.executable, "-m", "streamlit", "run", str(DASHBOARD_APP),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", address,
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        "--browser.serverAddress", "localhost",
        "--client.toolbarMode", "viewer",  # readers get no "Deploy" button or developer menu
        # the Submit page's limit, so Streamlit refuses a larger file before a byte is kept
        "--server.maxUploadSize", str(dashboard_settings.MAX_UPLOAD_MB),
    ]


def cmd_dashboard(args: argparse.Namespace) -> int:
    _, warehouse = _use_paths(None, args.warehouse)
    if not DASHBOARD_APP.is_file():
        print(f"no dashboard at {DASHBOARD_APP}", file=sys.stderr)
        return 2
    if not warehouse.is_file():
        print(f"note: no warehouse at {warehouse} yet; the dashboard will say how to build one", file=sys.stderr)
    refusal = _refusal_to_serve(args.address, args.public)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    command = dashboard_command(args.port, args.address)
    os.chdir(sources_settings.REPO_ROOT)  # Streamlit reads .streamlit/config.toml from the working directory
    sys.stdout.flush()
    os.execve(command[0], command, _child_environment(None, warehouse))  # the dashboard reads PORTAL_WAREHOUSE
    return 0  # not reached


def _read_published(warehouse_arg: str | None) -> bool:
    """Point the dashboard's queries (which read the warehouse PORTAL_WAREHOUSE names) at the published
    warehouse, for a command that writes a document from them; False, said on stderr, if nothing is published."""
    _, warehouse = _use_paths(None, warehouse_arg)
    if not warehouse.is_file():
        print(f"no warehouse at {warehouse}: run `portal build` first", file=sys.stderr)
        return False
    os.environ["PORTAL_WAREHOUSE"] = str(warehouse)
    _quiet_bare_streamlit()
    return True


def _quiet_bare_streamlit() -> None:
    """Run outside `streamlit run`, the dashboard's code makes Streamlit warn that there is no session: on every
    read of st.session_state (where labels keep the language: hundreds per report) and for each st.cache_data
    cache. A command prints only what it means to say, so Streamlit's log level is set to errors; after its
    config is read, since reading it sets the level from `logger.level` again."""
    from streamlit import config, logger

    config.get_config_options()
    logger.set_log_level("error")


def cmd_report(args: argparse.Namespace) -> int:
    """Write a printable PDF of a province's or a university's year (dashboard/report.py)."""
    kind, _, key = args.scope.partition("=")
    if kind not in ("province", "university") or not key:
        print(f"--scope must be province=<name> or university=<code>, not {args.scope!r}", file=sys.stderr)
        return 2
    if not _read_published(args.warehouse):
        return 1
    from dashboard import report

    try:
        pdf = report.report(kind, key, args.year, lang=args.lang, study_level=args.level)
    except (report.FontMissing, ValueError) as error:
        print(f"no report: {error}", file=sys.stderr)
        return 1
    Path(args.out).write_bytes(pdf)
    print(f"wrote {args.out} ({len(pdf):,} bytes)")
    return 0


def cmd_platform_export(args: argparse.Namespace) -> int:
    """Write the placements for the national internship platform as XLSX (dashboard/platform_export.py)."""
    if not _read_published(args.warehouse):
        return 1
    from dashboard import platform_export

    data, rows = platform_export.export(args.year, args.university)
    Path(args.out).write_bytes(data)
    print(f"wrote {args.out} ({rows:,} rows)")
    return 0


def _refusal_to_serve(address: str, public: bool) -> str | None:
    from pipelines.accounts_cli import refusal_to_serve

    return refusal_to_serve(address, public)


def cmd_serve(args: argparse.Namespace) -> int:
    from pipelines.serve import Server, serve

    landing, warehouse = _use_paths(args.landing, args.warehouse)
    portal = [sys.executable, "-m", "pipelines.cli"]
    return serve([
        Server("dashboard", [*portal, "dashboard", "--port", str(args.dashboard_port),
                             "--warehouse", str(warehouse)],
               f"http://localhost:{args.dashboard_port}"),
        Server("Dagster UI", [*portal, "ui", "--port", str(args.ui_port),
                              "--landing", str(landing), "--warehouse", str(warehouse)],
               f"http://localhost:{args.ui_port}"),
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="portal", description="School–enterprise cooperation portal")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo-data", help="write the Northeast demo scenario as source files")
    demo.add_argument("--out", help="landing folder to write (default: PORTAL_LANDING or sources/landing)")
    demo.add_argument("--scale", type=int, default=1, help="multiply universities, enterprises, students")
    demo.add_argument("--seed", type=int, default=2026, help="same seed, same bytes")
    demo.set_defaults(func=cmd_demo_data)

    build = sub.add_parser("build", help="load the landing folder, build and publish the warehouse")
    build.add_argument("--landing", help=LANDING_HELP)
    build.add_argument("--warehouse", help=WAREHOUSE_HELP)
    build.add_argument("--wait", type=float, metavar="SECONDS",
                       help="if another build is running, wait up to SECONDS for it (default: refuse at once)")
    build.add_argument("--rekey", action="store_true",
                       help="build with a pseudonymisation key other than the one the warehouse was built with "
                            "(or make a new key file): every student gets a new pseudonym")
    build.set_defaults(func=cmd_build)

    status = sub.add_parser("status", help="what is published: build time, sources, row counts, checks, quarantine")
    status.add_argument("--warehouse", help=WAREHOUSE_HELP)
    status.set_defaults(func=cmd_status)

    rollback = sub.add_parser("rollback", help="restore the previous publication (run again to undo)")
    rollback.add_argument("--warehouse", help=WAREHOUSE_HELP)
    rollback.set_defaults(func=cmd_rollback)

    purge = sub.add_parser("purge-previous", help="delete the previous publication and files left by builds "
                                                   "(a data-protection request)")
    purge.add_argument("--warehouse", help=WAREHOUSE_HELP)
    purge.set_defaults(func=cmd_purge_previous)

    export = sub.add_parser("export", help="write the published facts and marts as partitioned Parquet")
    export.add_argument("--parquet", required=True, metavar="DIR", help="folder to write (hive layout)")
    export.add_argument("--warehouse", help=WAREHOUSE_HELP)
    export.set_defaults(func=cmd_export)

    report = sub.add_parser("report", help="write a printable PDF report of a province or a university")
    report.add_argument("--scope", required=True, metavar="province=NAME|university=CODE")
    report.add_argument("--year", type=int, required=True)
    report.add_argument("--out", required=True, metavar="FILE.pdf")
    report.add_argument("--lang", choices=("zh", "en"), default="zh")
    report.add_argument("--level", default="本科", help="study level: 本科 (default), 专科 or 研究生")
    report.add_argument("--warehouse", help=WAREHOUSE_HELP)
    report.set_defaults(func=cmd_report)

    platform = sub.add_parser("platform-export", help="write placements for the MoE internship platform (XLSX)")
    platform.add_argument("--out", required=True, metavar="FILE.xlsx")
    platform.add_argument("--year", type=int, help="one year (default: every year)")
    platform.add_argument("--university", metavar="CODE", help="one university (default: every university)")
    platform.add_argument("--warehouse", help=WAREHOUSE_HELP)
    platform.set_defaults(func=cmd_platform_export)

    ui = sub.add_parser("ui", help="serve the Dagster UI (dg dev) on the same assets")
    ui.add_argument("--landing")
    ui.add_argument("--warehouse")
    ui.add_argument("--port", type=int, default=UI_PORT)
    ui.set_defaults(func=cmd_ui)

    dashboard = sub.add_parser("dashboard", help="serve the Streamlit dashboard on the published warehouse")
    dashboard.add_argument("--port", type=int, default=DASHBOARD_PORT)
    dashboard.add_argument("--address", default=LOCALHOST,
                           help=f"address to listen on (default {LOCALHOST}; 0.0.0.0 for every interface)")
    dashboard.add_argument("--warehouse", help=WAREHOUSE_HELP)
    dashboard.add_argument("--public", action="store_true",
                           help="serve on a non-loopback address even with no account (public pages only)")
    dashboard.set_defaults(func=cmd_dashboard)

    serve = sub.add_parser("serve", help="serve the dashboard and the Dagster UI together until Ctrl-C")
    serve.add_argument("--landing")
    serve.add_argument("--warehouse")
    serve.add_argument("--dashboard-port", type=int, default=DASHBOARD_PORT)
    serve.add_argument("--ui-port", type=int, default=UI_PORT)
    serve.set_defaults(func=cmd_serve)

    _add_account_parsers(sub)

    args = parser.parse_args(argv)
    return args.func(args)


def _add_account_parsers(sub) -> None:
    from pipelines.accounts_cli import add_parsers

    add_parsers(sub)


def run() -> None:
    """The `portal` command: main(), then an exit that skips the interpreter's teardown.

    After a build the process holds a large graph of objects (Dagster's definitions, plans and events), and
    the garbage collection Python runs as it tears its modules down is a noticeable share of every `portal
    build` (benchmarks/RESULTS.md). So, as Instagram's servers do, the process ends with os._exit once every exit handler has run
    (the handler below is registered first, so it runs last) and the output is flushed; the memory goes back
    with the process. (Only the command does this: tests call main() in a process that goes on.)"""
    code = [1]  # an uncaught exception's traceback is printed, then the process ends with 1
    atexit.register(_exit_now, code)
    try:
        code[0] = main()
    except SystemExit as err:  # argparse's errors and --help
        code[0] = err.code if isinstance(err.code, int) else int(err.code is not None)
        raise
    except KeyboardInterrupt:
        code[0] = 130  # as a shell reports an interrupted command
        raise
    sys.exit(code[0])


def _exit_now(code: list[int]) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed, or a closed pipe: nothing more can be said
            pass
    os._exit(code[0])


if __name__ == "__main__":
    run()
