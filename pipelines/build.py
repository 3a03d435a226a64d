"""Running a whole build in process (what `portal build` and the tests do) and summarising it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipelines.defs.resources import REKEY_TAG, PortalResource, build_key, portal_resource
from sources.kinds import KINDS
from sources.landing_folder import LandingFolderUnreadable
from sources.loading import FileReport
from sources.pseudonymise import KeyProblem
from warehouse import connection, publication
from warehouse.publication import BuildLockHeld


@dataclass
class BuildOutcome:
    published: bool
    file_lines: list[str] = field(default_factory=list)
    check_lines: list[str] = field(default_factory=list)
    failure: str | None = None
    #: set when the build did not start because another build holds the lock (one line, no trace)
    refused: str | None = None
    result: dg.ExecuteInProcessResult | None = None


def load_definitions() -> dg.Definitions:
    from pipelines.definitions import defs

    return defs() if callable(defs) else defs


def _file_lines(database: Path) -> list[str]:
    lines: list[str] = []
    with connection.reader(database) as con:
        tables = {r[0] for r in con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()}
        for kind in KINDS:
            if f"raw.{kind}__files" in tables:
                rows = con.execute(
                    "SELECT file, kind, sha256, status, rows_read, rows_loaded, rows_quarantined, message, "
                    f"change FROM raw.{kind}__files ORDER BY file").fetchall()
                lines += [FileReport(*row).line() for row in rows]
    return lines


def run_build(instance: dg.DagsterInstance | Callable[[], dg.DagsterInstance] | None = None,
              log_level: str = "WARNING", run_id: str | None = None, rekey: bool = False,
              portal: PortalResource | None = None) -> BuildOutcome:
    """Materialize every asset (checks included) with the settings of `portal` (its landing folder, warehouse
    and lock wait; default: the environment's, portal_resource()), handed to the run as its resource config, in
    `instance` (or the one a function returns, called once the build lock is held; default: an ephemeral one),
    as run `run_id` (default: a new one; `portal build` passes the id whose copy it began ahead). With `rekey`
    the run may use another pseudonymisation key than the publication's (pipelines/defs/resources.py)."""
    portal = portal or portal_resource()
    run_id = run_id or str(uuid.uuid4())
    build = publication.build_file(portal.published, run_id)
    try:
        # The lock is taken here, before Dagster starts, so a refusal is one line; the run's resource takes it
        # again (re-entrant in this process), as it does for runs the sensor, the schedule or the UI launch.
        # The copy of the publication the run starts from runs meanwhile, while Dagster sets the run up.
        with publication.building(portal.published, build, "portal build", portal.lock_wait_seconds):
            build_key(portal.published, rekey)  # (a key refused, the run is not started: one line, no trace)
            job = load_definitions().resolve_job_def("build_warehouse")
            result = job.execute_in_process(
                instance=(instance() if callable(instance) else instance) or dg.DagsterInstance.ephemeral(),
                raise_on_error=False,
                run_config={"loggers": {"console": {"config": {"log_level": log_level}}},
                            "resources": {"portal": portal.run_config()}},
                run_id=run_id,
                tags={REKEY_TAG: "true"} if rekey else None,
            )
    except BuildLockHeld as err:
        return BuildOutcome(False, refused=str(err))
    except KeyProblem as err:
        return BuildOutcome(False, failure=str(err))
    outcome = BuildOutcome(published=False, result=result)
    outcome.published = dg.AssetKey(["published_warehouse"]) in {
        event.materialization.asset_key for event in result.get_asset_materialization_events()
    }
    errors = [error for e in result.all_events
              if e.is_failure or e.event_type in (dg.DagsterEventType.RUN_FAILURE, dg.DagsterEventType.ENGINE_EVENT)
              if (error := getattr(e.event_specific_data, "error", None)) is not None]
    for error in errors:
        held = next((e for e in [error, *_causes(error)] if e.cls_name == BuildLockHeld.__name__), None)
        if held is not None:
            outcome.refused = held.message.strip().removeprefix(f"{_LOCK_ERROR}: ")
            return outcome
    database = publication.build_file(portal.published, result.run_id)
    if outcome.published:
        database = portal.published
    if database.exists():
        outcome.file_lines = _file_lines(database)
    failed_checks = []
    for check in result.get_asset_check_evaluations():
        name = f"{check.asset_key.to_user_string()}:{check.check_name}"
        outcome.check_lines.append(f"check {name}: {'passed' if check.passed else 'FAILED'}")
        if not check.passed:
            failed_checks.append(name)
            # what failed (pipelines/defs/checks.py: the failures, personal values never quoted)
            outcome.check_lines += [f"  {line}" for line in (check.description or "").splitlines()]
    if not outcome.published:
        # the innermost cause says what happened ("No space left on device"), the wrappers only where
        messages = list(dict.fromkeys(
            ([error, *_causes(error)][-1].message.strip() or "?").splitlines()[0].removeprefix(_LANDING_ERROR)
            for error in errors))
        outcome.failure = "; ".join(
            ([f"blocking check(s) failed: {', '.join(failed_checks)}"] if failed_checks else []) + messages[:3]
        ) or None
    return outcome


_LOCK_ERROR = f"{publication.__name__}.{BuildLockHeld.__name__}"
#: a landing folder that cannot be read: its message names the folder and says why, and is said as it is
_LANDING_ERROR = f"{LandingFolderUnreadable.__module__}.{LandingFolderUnreadable.__name__}: "


def _causes(error) -> list:
    found = []
    while error is not None:
        error = error.cause or error.context
        if error is not None:
            found.append(error)
    return found
