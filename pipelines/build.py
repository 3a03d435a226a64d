"""Running a whole build in process (what `portal build` and the tests do) and summarising it."""

from __future__ import annotations

from dataclasses import dataclass, field

import dagster as dg

from pipelines.defs.resources import portal_resource
from sources.kinds import KINDS
from sources.loading import FileReport
from warehouse import connection


@dataclass
class BuildOutcome:
    published: bool
    file_lines: list[str] = field(default_factory=list)
    check_lines: list[str] = field(default_factory=list)
    failure: str | None = None
    result: dg.ExecuteInProcessResult | None = None


def load_definitions() -> dg.Definitions:
    from pipelines.definitions import defs

    return defs() if callable(defs) else defs


def run_build(instance: dg.DagsterInstance | None = None, log_level: str = "WARNING") -> BuildOutcome:
    """Materialize every asset (checks included) with the paths of PORTAL_LANDING / PORTAL_WAREHOUSE."""
    defs = load_definitions()
    job = defs.resolve_job_def("build_warehouse")
    result = job.execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
    )
    portal = portal_resource()
    outcome = BuildOutcome(published=False, result=result)
    if portal.build.exists():
        with connection.writer(portal.build) as con:
            tables = {r[0] for r in con.execute(
                "SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()}
            for kind in KINDS:
                if f"raw.{kind}__files" in tables:
                    rows = con.execute(
                        "SELECT file, kind, sha256, status, rows_read, rows_loaded, rows_quarantined, message, "
                        f"change FROM raw.{kind}__files ORDER BY file").fetchall()
                    outcome.file_lines += [FileReport(*row).line() for row in rows]
    failed_checks = []
    for check in result.get_asset_check_evaluations():
        name = f"{check.asset_key.to_user_string()}:{check.check_name}"
        outcome.check_lines.append(f"check {name}: {'passed' if check.passed else 'FAILED'}")
        if not check.passed:
            failed_checks.append(name)
    outcome.published = dg.AssetKey(["published_warehouse"]) in {
        event.materialization.asset_key for event in result.get_asset_materialization_events()
    }
    if not outcome.published:
        errors = [e.message for e in result.all_events if e.is_step_failure]
        outcome.failure = "; ".join(
            ([f"blocking check(s) failed: {', '.join(failed_checks)}"] if failed_checks else []) + errors[:3]
        ) or None
    return outcome
