"""Assets: one per warehouse table, from the reference lists through the marts to the publication.

- reference/<table>: the bundled reference CSVs (and the landing-folder university supplement);
- raw/<kind>: every landing file of a source kind, read, validated, pseudonymised (its quarantine and
  per-file log are written beside it as raw.<kind>__quarantine and raw.<kind>__files);
- audit/…, staging/…, dims/…, facts/…, marts/…: one asset per SQL model in warehouse/models/;
- published_warehouse: the finished build copied atomically over PORTAL_WAREHOUSE, only when every
  blocking check upstream passed.
"""


import datetime as dt

import dagster as dg

from pipelines.defs.resources import PortalResource
from sources.kinds import KINDS
from sources.loading import load_kind
from sources.pseudonymise import load_key
from sources.reference_data import REFERENCE_TABLES, load_reference_table, prepare_lookups
from warehouse import connection, models
from warehouse.privacy import find_personal_data

REFERENCE_KEYS = [dg.AssetKey(["reference", t]) for t in REFERENCE_TABLES]


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
def _reference_asset(table: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=["reference", table],
        group_name="reference",
        kinds={"duckdb", "csv"},
        description=f"Bundled reference list sources/reference/{table}.csv (provenance in its README).",
    )
    def _asset(context: dg.AssetExecutionContext, portal: PortalResource) -> dg.MaterializeResult:
        with portal.connect() as con:
            rows = load_reference_table(con, table, portal.landing)
        return dg.MaterializeResult(metadata={"dagster/row_count": rows})

    return _asset


# --- raw source kinds ------------------------------------------------------------------------------
def _raw_asset(kind_name: str) -> dg.AssetsDefinition:
    kind = KINDS[kind_name]
    deps = [*REFERENCE_KEYS, *([dg.AssetKey(["raw", "bases"])] if kind_name == "placements" else [])]

    @dg.asset(
        key=["raw", kind_name],
        deps=deps,
        group_name="sources",
        kinds={"duckdb", "python"},
        description=(
            f"Every file in <landing>/{kind_name}/ ({kind.description}): read, normalised, validated; bad rows "
            f"to raw.{kind_name}__quarantine, one line per file in raw.{kind_name}__files."
        ),
    )
    def _asset(context: dg.AssetExecutionContext, portal: PortalResource) -> dg.MaterializeResult:
        with portal.connect() as con:
            prepare_lookups(con)
            # files already in the published warehouse under the same content and rules are not re-read
            reports = load_kind(con, kind, portal.landing, load_key(), previous=portal.published)
        for report in reports:
            (context.log.info if report.status == "loaded" else context.log.warning)(report.line())
        loaded = [r for r in reports if r.status == "loaded"]
        table = markdown_table(
            ["file", "status", "change", "read", "loaded", "quarantined", "note"],
            [(r.file, r.status, r.change, r.rows_read, r.rows_loaded, r.rows_quarantined, r.message)
             for r in reports],
        )
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": sum(r.rows_loaded for r in loaded),
                "files_loaded": len(loaded),
                "files_rejected": sum(r.status == "rejected" for r in reports),
                "files_reused": sum(r.reused for r in loaded),
                "files_read": sum(not r.reused for r in reports if r.status != "removed"),
                "files_removed": sum(r.status == "removed" for r in reports),
                "rows_read": sum(r.rows_read for r in loaded),
                "rows_quarantined": sum(r.rows_quarantined for r in loaded),
                "files": dg.MetadataValue.md(table),
            }
        )

    return _asset


# --- SQL models ------------------------------------------------------------------------------------
def _model_asset(model: models.Model) -> dg.AssetsDefinition:
    @dg.asset(
        key=table_key(model.table),
        deps=[table_key(t) for t in model.upstream],
        group_name=model.schema,
        kinds={"duckdb", "sql"},
        description=model.description or f"SQL model warehouse/models/{model.schema}/{model.name}.sql",
        metadata={"sql_file": f"warehouse/models/{model.schema}/{model.name}.sql"},
    )
    def _asset(context: dg.AssetExecutionContext, portal: PortalResource) -> dg.MaterializeResult:
        with portal.connect() as con:
            rows = models.run_model(con, model)
            preview = _preview(con, model.table)
        return dg.MaterializeResult(metadata={"dagster/row_count": rows, "preview": preview})

    return _asset


MODEL_ASSETS = [_model_asset(m) for m in models.discover()]
PUBLISHED_UPSTREAM = [table_key(m.table) for m in models.discover() if m.schema in ("marts", "audit", "dims")]


@dg.asset(
    key=["published_warehouse"],
    deps=PUBLISHED_UPSTREAM,
    group_name="publication",
    kinds={"duckdb"},
    description=(
        "The finished build, scanned once more for personal data and copied atomically over PORTAL_WAREHOUSE. "
        "Blocking checks upstream stop this step, so a bad build never replaces a good one."
    ),
)
def published_warehouse(context: dg.AssetExecutionContext, portal: PortalResource) -> dg.MaterializeResult:
    with portal.connect() as con:
        findings = find_personal_data(con)
        counts = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("audit.load_log", "audit.quarantine", "audit.rejected_files")
        }
    if findings:
        raise dg.Failure("Not published: personal data found in the build:\n" + "\n".join(findings))
    connection.publish(portal.build, portal.published)
    return dg.MaterializeResult(
        metadata={
            "path": str(portal.published),
            "size_bytes": portal.published.stat().st_size,
            "published_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "files_loaded": counts["audit.load_log"],
            "files_rejected": counts["audit.rejected_files"],
            "rows_quarantined": counts["audit.quarantine"],
        }
    )


REFERENCE_ASSETS = [_reference_asset(t) for t in REFERENCE_TABLES]
RAW_ASSETS = [_raw_asset(k) for k in KINDS]
