"""Assets: one per warehouse table, from the reference lists through the marts to the publication.

- reference/<table>: the bundled reference CSVs (and the landing-folder university supplement), all built
  in one step (multi-asset `reference_lists`);
- raw/<kind>: every landing file of a source kind, read, validated, pseudonymised (its quarantine and
  per-file log are written beside it as raw.<kind>__quarantine and raw.<kind>__files), all kinds in one step
  (multi-asset `raw_sources`), two kinds at a time;
- audit/…, staging/…, dims/…, facts/…, marts/…: one asset per SQL model in warehouse/models/, all built
  in one step over one connection (multi-asset `sql_models`; any subset can be selected, and runs in
  dependency order);
- personal_data_scan: the scan of everything the loaders and models wrote for personal data, once they have
  all run, with its blocking check `no_personal_data` (warehouse/privacy.py);
- published_warehouse: the finished build renamed atomically over the warehouse path, only when every
  blocking check upstream passed, with audit.build / audit.build_inputs / audit.checks written into it.
"""


import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.defs.checks import check_result
from pipelines.defs.resources import PortalResource
from sources.kinds import KINDS
from sources.landing_folder import kind_files, printable
from sources.loading import (
    FileReport,
    kinds_read_by_rules,
    load_kind,
    prepare_shared_tables,
    source_macros_sql,
)
from sources.reference_data import MODEL_ONLY_TABLES, REFERENCE_TABLES, load_reference_table
from sources.schema import SourceKind
from warehouse import models, publication, state, status
from warehouse.privacy import find_personal_data

REFERENCE_KEYS = [dg.AssetKey(["reference", t]) for t in REFERENCE_TABLES]
#: the reference lists the loaders' rules read (the others only the SQL models, which name them in their lineage)
LOADER_REFERENCE_KEYS = [dg.AssetKey(["reference", t]) for t in REFERENCE_TABLES if t not in MODEL_ONLY_TABLES]


def table_key(table: str) -> dg.AssetKey:
    """'schema.table' → the asset key ['schema', 'table']."""
    return dg.AssetKey(table.split("."))


def markdown_table(header: list[str], rows: list[tuple]) -> str:
    cells = [[str(v).replace("|", "/") for v in row] for row in rows]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in cells])


def _preview(con, table: str, limit: int = 5) -> dg.MetadataValue:
    result = con.execute(f"SELECT * FROM {table} LIMIT {limit}")
    header = [d[0] for d in result.description]
    return dg.MetadataValue.md(markdown_table(header, result.fetchall()))


# --- reference -------------------------------------------------------------------------------------
@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key=["reference", table],
            group_name="reference",
            kinds={"duckdb", "csv"},
            description=f"Bundled reference list sources/reference/{table}.csv (provenance in its README).",
            skippable=True,
        )
        for table in REFERENCE_TABLES
    ],
    can_subset=True,
    name="reference_lists",
)
def reference_lists(context: dg.AssetExecutionContext, portal: PortalResource) -> Iterator[dg.MaterializeResult]:
    """The selected reference lists, in one step (each is small: a step of its own would cost more than
    loading it)."""
    with portal.connect() as con:
        for table in REFERENCE_TABLES:
            key = dg.AssetKey(["reference", table])
            if key in context.selected_asset_keys:
                rows = load_reference_table(con, table, portal.landing)
                yield dg.MaterializeResult(asset_key=key, metadata={"dagster/row_count": rows})


# --- raw source kinds ------------------------------------------------------------------------------
def _raw_spec(kind_name: str) -> dg.AssetSpec:
    kind = KINDS[kind_name]
    return dg.AssetSpec(
        key=["raw", kind_name],
        deps=[*LOADER_REFERENCE_KEYS, *(dg.AssetKey(["raw", other]) for other in kinds_read_by_rules(kind))],
        group_name="sources",
        kinds={"duckdb", "python"},
        description=(
            f"Every file in <landing>/{kind_name}/ ({kind.description}): read, normalised, validated; bad rows "
            f"to raw.{kind_name}__quarantine, one line per file in raw.{kind_name}__files."
        ),
        skippable=True,
    )


def _load_in_turn(con: duckdb.DuckDBPyConnection, kinds: list[SourceKind], landing: Path, key: bytes
                  ) -> tuple[list[tuple[SourceKind, list[FileReport], float]], Exception | None]:
    """Load `kinds` one after another on a connection of their own (a cursor of `con`): what each loaded and
    took, and the error that stopped them, if one did."""
    done = []
    try:
        with con.cursor() as cursor:
            cursor.execute(source_macros_sql())  # the loaders' macros are each connection's own
            for kind in kinds:
                start = time.perf_counter()
                # the build started as a copy of the publication: files it holds under the same content and
                # rules keep their rows and are not read again
                before = state.loaded_files(cursor, kind.name)
                reports = load_kind(cursor, kind, landing, key)
                # which files' rows came and went: the models and the personal-data scan redo only those
                state.record_source_delta(cursor, kind.name, before)
                done.append((kind, reports, time.perf_counter() - start))
    except Exception as err:
        return done, err
    return done, None


def _load_side_by_side(con: duckdb.DuckDBPyConnection, kinds: list[SourceKind], landing: Path, key: bytes
                       ) -> tuple[list[tuple[SourceKind, list[FileReport], float]], Exception | None]:
    """Every kind loaded, two at a time, a kind whose rules read another's rows after that one on its thread.
    Parsing XLSX (most catalogues and surveys) is Python, which holds the GIL and left the second core mostly
    idle while a kind loaded alone; the placements' CSV work is mostly DuckDB's, which does not hold it.
    What loaded, in `kinds` order, and the first error raised, if any (the other thread still finishes)."""
    chains: list[list[SourceKind]] = []
    for kind in kinds:  # (KINDS is in load order: a kind comes after those its rules read)
        reads = set(kinds_read_by_rules(kind))
        chain = next((c for c in chains if reads & {k.name for k in c}), None)
        if chain is None:
            chains.append([kind])
        else:
            chain.append(kind)
    # the largest first: the other thread takes the rest in turn while it runs
    chains.sort(key=lambda chain: -sum(f.size for k in chain for f in kind_files(landing, k.name)))
    prepare_shared_tables(con)
    state.ensure(con)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="portal-kinds") as pool:
        results = list(pool.map(lambda chain: _load_in_turn(con, chain, landing, key), chains))
    done = sorted((d for chain_done, _ in results for d in chain_done), key=lambda d: kinds.index(d[0]))
    return done, next((err for _, err in results if err is not None), None)


def _raw_result(kind: SourceKind, reports: list[FileReport], seconds: float) -> dg.MaterializeResult:
    loaded = [r for r in reports if r.status == "loaded"]
    table = markdown_table(
        ["file", "status", "change", "read", "loaded", "quarantined", "note"],
        [(printable(r.file), r.status, printable(r.change), r.rows_read, r.rows_loaded, r.rows_quarantined,
          printable(r.message)) for r in reports],
    )
    return dg.MaterializeResult(
        asset_key=["raw", kind.name],
        metadata={
            "dagster/row_count": sum(r.rows_loaded for r in loaded),
            # the step is shared, so each kind says what it took (beside the other kind on its thread)
            "seconds": round(seconds, 3),
            "files_loaded": len(loaded),
            "files_rejected": sum(r.status == "rejected" for r in reports),
            "files_reused": sum(r.reused for r in loaded),
            "files_read": sum(not r.reused for r in reports if r.status != "removed"),
            "files_removed": sum(r.status == "removed" for r in reports),
            "rows_read": sum(r.rows_read for r in loaded),
            "rows_quarantined": sum(r.rows_quarantined for r in loaded),
            "files": dg.MetadataValue.md(table),
        },
    )


@dg.multi_asset(specs=[_raw_spec(k) for k in KINDS], can_subset=True, name="raw_sources")
def raw_sources(context: dg.AssetExecutionContext, portal: PortalResource) -> Iterator[dg.MaterializeResult]:
    """Every selected source kind, in one step: each kind is an asset of its own, and two load side by side
    (_load_side_by_side), which separate steps, run one after another on the one writer, could not."""
    kinds = [kind for name, kind in KINDS.items() if dg.AssetKey(["raw", name]) in context.selected_asset_keys]
    # (the look-up maps are made on each loader connection that reads files, not here: a kind with nothing to
    # read does not build them)
    with portal.connect() as con:
        done, failure = _load_side_by_side(con, kinds, portal.landing, portal.pseudonym_key)
    for kind, reports, seconds in done:
        loaded = [r for r in reports if r.status == "loaded"]
        not_loaded = [r for r in reports if r.status != "loaded"]
        # one message per kind and level, not per file: each is an event the run's storage writes, and a
        # national folder has hundreds of files (the per-file table is in the metadata too)
        if loaded:
            context.log.info("\n".join(r.line() for r in loaded))
        if not_loaded:
            context.log.warning("\n".join(r.line() for r in not_loaded))
        yield _raw_result(kind, reports, seconds)
    if failure is not None:
        raise failure


# --- SQL models ------------------------------------------------------------------------------------
def _model_spec(model: models.Model) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=table_key(model.table),
        deps=[table_key(t) for t in model.upstream],
        group_name=model.schema,
        kinds={"duckdb", "sql"},
        description=model.description or f"SQL model warehouse/models/{model.schema}/{model.name}.sql",
        metadata={"sql_file": f"warehouse/models/{model.schema}/{model.name}.sql"},
        skippable=True,
    )


MODELS = models.discover()


@dg.multi_asset(specs=[_model_spec(m) for m in MODELS], can_subset=True, name="sql_models")
def sql_models(context: dg.AssetExecutionContext, portal: PortalResource) -> Iterator[dg.MaterializeResult]:
    """Every selected SQL model, in dependency order, in ONE step over one connection: each model is an
    asset of its own in the UI (lineage, row count, preview, checks), but a step per model cost more in
    Dagster events and connection set-up than most models take to build. A model whose inputs did not change
    keeps its table; one declared incremental is updated by a delta when it can (warehouse/models.py)."""
    selected = context.selected_asset_keys
    with portal.connect() as con:
        for done in models.run_models(con, [m for m in MODELS if table_key(m.table) in selected]):
            yield dg.MaterializeResult(
                asset_key=table_key(done.model.table),
                # the step is shared, so each model says what it took, and what it did
                metadata={"dagster/row_count": done.rows, "seconds": round(done.seconds, 3), "how": done.how,
                          "preview": _preview(con, done.model.table)},
            )


# --- the personal-data scan ------------------------------------------------------------------------
SCAN_KEY = dg.AssetKey(["personal_data_scan"])
SCAN_CHECK = "no_personal_data"


@dg.asset(
    key=SCAN_KEY,
    deps=[*REFERENCE_KEYS, *(dg.AssetKey(["raw", k]) for k in KINDS), *(table_key(m.table) for m in MODELS)],
    group_name="publication",
    kinds={"duckdb"},
    description="The build scanned for personal data once every loader and model has run: only what changed "
    "since the publication it started from was scanned clean (the files loaded, the tables built again, the "
    "rows a delta brought in), recorded in meta.scan_state.",
    check_specs=[dg.AssetCheckSpec(
        SCAN_CHECK, asset=SCAN_KEY, blocking=True,
        description="No student name, ID number, phone, e-mail address or student number in clear anywhere in "
        "the build (published_warehouse scans the records it writes itself). A failure names the table, column, "
        "file and rows, never the value.")],
)
def personal_data_scan(portal: PortalResource) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    with portal.connect() as con:
        findings = find_personal_data(con, changed_only=True)
    yield dg.MaterializeResult()
    yield check_result(findings, check_name=SCAN_CHECK)


PUBLISHED_UPSTREAM = [table_key(m.table) for m in MODELS if m.schema in ("marts", "audit", "dims")] + [SCAN_KEY]


def _check_records(context: dg.AssetExecutionContext) -> list[status.CheckRecord]:
    """Every asset check evaluated in this run so far (blocking ones upstream have all run by now)."""
    try:
        graph = context.job_def.asset_layer.asset_graph
        specs = {(k.asset_key, k.name): graph.get_check_spec(k).description or "" for k in graph.asset_check_keys}
    except Exception:  # descriptions are a nicety; a run without a repository still records its checks
        specs = {}
    records = context.instance.get_records_for_run(
        context.run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    latest = {}
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        latest[(evaluation.asset_key, evaluation.check_name)] = evaluation
    found = []
    for (asset_key, name), evaluation in sorted(latest.items(), key=lambda kv: (kv[0][0].to_user_string(), kv[0][1])):
        failures = evaluation.metadata.get("failures")
        detail = failures.value if failures is not None else ""
        found.append(status.CheckRecord(asset_key.to_user_string(), name, evaluation.passed,
                                        specs.get((asset_key, name), ""), "" if detail == "none" else str(detail)))
    return found


def _left_to_scan(checks: list[status.CheckRecord]) -> tuple[str, ...] | None:
    """The tables the publication scans itself: when this run's personal_data_scan passed, it ran after every
    loader and model, so only what was written since (the build record, the scan's own record); else (a run
    that left the scan out) every table (None), each as far as it changed since it was last scanned clean."""
    scanned = any(c.asset == SCAN_KEY.to_user_string() and c.check_name == SCAN_CHECK and c.passed for c in checks)
    return (*status.RECORD_TABLES, f"{state.SCHEMA}.scan_state") if scanned else None


@dg.asset(
    key=["published_warehouse"],
    deps=PUBLISHED_UPSTREAM,
    group_name="publication",
    kinds={"duckdb"},
    description=(
        "The finished build, recorded in audit.build / audit.build_inputs / audit.checks, scanned for "
        "personal data (what personal_data_scan did not: the build record, or everything if the run left it "
        "out), written fresh when it removed rows (so no deleted row's bytes are published), and renamed "
        "atomically over the warehouse path (the one "
        "before is kept as <name>.previous.duckdb for `portal rollback`). "
        "Blocking checks upstream stop this step, so a bad build never replaces a good one."
    ),
)
def published_warehouse(context: dg.AssetExecutionContext, portal: PortalResource) -> dg.MaterializeResult:
    checks = _check_records(context)
    with portal.connect() as con:
        why_fresh = publication.why_write_fresh(portal.published, con)
        status.record_build(
            con, build_id=portal.build_id, started_at=portal.started_at, landing=portal.landing,
            landing_files=portal.landing_files, previous_build_id=publication.published_build_id(portal.published),
            checks=checks, key_fingerprint=portal.key_fingerprint, written_fresh=why_fresh is not None,
        )
        findings = find_personal_data(con, tables=_left_to_scan(checks), changed_only=True)
        summary = status.read_status(con)
    if findings:
        # one line: `portal build` prints the first line of a failure (the findings never quote a value)
        more = f"; and {len(findings) - 10} more" if len(findings) > 10 else ""
        raise dg.Failure("Not published: personal data found in the build: " + "; ".join(findings[:10]) + more)
    if why_fresh is not None:
        context.log.info(f"writing the build fresh before publishing it: {why_fresh}")
    publication.publish(portal.build, portal.published, fresh=why_fresh is not None)
    build = summary.build or {}
    return dg.MaterializeResult(
        metadata={
            "path": str(portal.published),
            "size_bytes": portal.published.stat().st_size,
            "written_fresh": f"yes: {why_fresh}" if why_fresh else "no: it removed nothing the publication held",
            "build_id": portal.build_id,
            "started_at": build.get("started_at").isoformat(timespec="seconds"),
            "published_at": build.get("published_at").isoformat(timespec="seconds"),
            "previous_build_id": str(build.get("previous_build_id")),
            "files_loaded": build.get("files_loaded"),
            "files_rejected": build.get("files_rejected"),
            "rows_read": build.get("rows_read"),
            "rows_loaded": build.get("rows_loaded"),
            "rows_quarantined": build.get("rows_quarantined"),
            "sources": dg.MetadataValue.md(markdown_table(["kind", "files loaded", "files rejected"],
                                                          summary.files_by_kind)),
            "row_counts": dg.MetadataValue.md(markdown_table(["table", "rows"], summary.row_counts)),
            "checks": dg.MetadataValue.md(markdown_table(
                ["asset", "check", "passed", "detail"], [(a, n, p, d or "") for a, n, p, d in summary.checks])),
            "quarantined_by_file": dg.MetadataValue.md(markdown_table(
                ["file", "quarantined", "read"], summary.quarantine_by_file)),
        }
    )


