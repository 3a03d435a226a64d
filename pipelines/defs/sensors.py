"""A sensor that asks for a build when the landing folder no longer matches what is published.

It compares the landing files with `audit.build_inputs` of the published warehouse (what the last build
saw): a file whose size and modification time are unchanged is unchanged; any other file is hashed and
compared by content, so a file saved again with the same bytes triggers nothing. It never builds what is
already published — after `make demo` the first tick finds the folder matching and skips — and it skips
while a build holds the lock (a manual `portal build`, say), looking again on the next tick.

The files are those the build reads, listed by sources/landing_folder.py as the build lists them: a refused
link or pipe is compared by what lstat says of it and never opened; a kind folder that cannot be listed fails
the tick with its name and the reason (a build would fail the same way).

The run key is the hash of the landing folder's content, so the same content never triggers two runs (and a
`portal rollback` is not undone by the sensor rebuilding the files it rolled back from). The cursor caches
content hashes by (size, mtime) so unchanged files are hashed once.
"""


import hashlib
import json

import dagster as dg

from pipelines.defs.jobs import build_warehouse
from pipelines.defs.resources import PortalResource
from sources.landing_folder import list_landing, printable
from sources.reading import file_sha256
from warehouse import connection, publication


def published_inputs(portal: PortalResource) -> dict[str, tuple[int, int, str | None]] | None:
    """file → (size, mtime_ns, sha256) of the published build's landing files; None if that is not known."""
    if not portal.published.exists():
        return None
    try:
        with connection.reader(portal.published) as con:
            rows = con.execute("SELECT file, size_bytes, modified_ns, sha256 FROM audit.build_inputs").fetchall()
    except Exception:  # a publication made before audit.build_inputs existed, or unreadable
        return None
    return {file: (size, mtime, sha) for file, size, mtime, sha in rows}


def compare_landing(
    portal: PortalResource, hash_cache: dict[str, list]
) -> tuple[dict[str, str], list[str], list[str]]:
    """(file → content identity, changed or new files, removed files) against the publication."""
    published = published_inputs(portal)
    identity: dict[str, str] = {}
    changed: list[str] = []
    listed = list_landing(portal.landing)
    for landing_file in listed:
        # a file is known as the warehouse knows it: personal values masked
        name, size, mtime = landing_file.stored_name, landing_file.size, landing_file.mtime_ns
        seen = (published or {}).get(name)
        if landing_file.refused:  # never opened (a link, a pipe): known by what lstat says of it
            identity[name] = f"refused {size} {mtime}"
            if seen is None or (seen[0], seen[1]) != (size, mtime):
                changed.append(name)
            continue
        if seen is not None and (seen[0], seen[1]) == (size, mtime) and seen[2]:
            identity[name] = seen[2]
            continue
        cached = hash_cache.get(name)
        if cached and (cached[0], cached[1]) == (size, mtime):
            sha = cached[2]
        else:
            try:
                sha = file_sha256(landing_file.path)
            except FileNotFoundError:
                continue
            hash_cache[name] = [size, mtime, sha]
        identity[name] = sha
        if seen is None or seen[2] != sha:
            changed.append(name)
    removed = sorted(set(published or {}) - set(identity))
    for name in list(hash_cache):
        if name not in identity:
            del hash_cache[name]
    return identity, changed, removed


@dg.sensor(job=build_warehouse, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Builds the warehouse when the landing folder's files differ (by content) from those the "
                       "published warehouse was built from.")
def landing_folder_sensor(context: dg.SensorEvaluationContext, portal: PortalResource):
    holder = publication.lock_holder(portal.published)
    if holder is not None:
        return dg.SkipReason(f"a build is running ({holder}); the landing folder is compared again after it")
    cache = json.loads(context.cursor) if context.cursor else {}
    identity, changed, removed = compare_landing(portal, cache)
    context.update_cursor(json.dumps(cache, sort_keys=True))
    if not identity:
        return dg.SkipReason(f"the landing folder {portal.landing} has no source files")
    if not changed and not removed:
        return dg.SkipReason("the published warehouse was built from exactly these files")
    run_key = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]
    context.log.info(printable(f"changed or new: {', '.join(changed) or 'none'}; "
                               f"removed: {', '.join(removed) or 'none'}"))
    return dg.RunRequest(run_key=run_key, tags={"portal/changed_files": str(len(changed)),
                                                "portal/removed_files": str(len(removed))})
