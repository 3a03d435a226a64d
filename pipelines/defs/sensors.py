"""A sensor that notices new, changed or deleted files in the landing folder and asks for a build.

The cursor is a JSON map of file → "mtime_ns:size"; the run key is a hash of that map, so the same landing
state never triggers two builds.
"""


import hashlib
import json

import dagster as dg

from pipelines.defs.jobs import build_warehouse
from pipelines.defs.resources import PortalResource
from sources import settings


def landing_state(portal: PortalResource) -> dict[str, str]:
    state: dict[str, str] = {}
    root = portal.landing
    if not root.is_dir():
        return state
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.suffix.lower() in settings.SOURCE_SUFFIXES and not p.name.startswith((".", "~$")):
            stat = p.stat()
            state[p.relative_to(root).as_posix()] = f"{stat.st_mtime_ns}:{stat.st_size}"
    return state


@dg.sensor(job=build_warehouse, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Builds the warehouse when files in the landing folder are added, changed or removed.")
def landing_folder_sensor(context: dg.SensorEvaluationContext, portal: PortalResource):
    state = landing_state(portal)
    previous = json.loads(context.cursor) if context.cursor else None
    if state == previous:
        return dg.SkipReason("no new, changed or removed files in the landing folder")
    context.update_cursor(json.dumps(state, sort_keys=True))
    if not state:
        return dg.SkipReason(f"the landing folder {portal.landing} has no source files")
    changed = sorted(set(state.items()) ^ set((previous or {}).items()))
    run_key = hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:16]
    return dg.RunRequest(run_key=run_key, tags={"portal/changed_files": str(len({f for f, _ in changed}))})
