"""Asset checks: the metric invariants of shared/METRICS.md and the data-quality promises.

All are blocking: a failing check stops the run before `published_warehouse`, so the dashboard keeps the
last good warehouse. The personal-data check, `no_personal_data`, is the result of the step that scans the
build (`personal_data_scan`, in assets.py).
"""


import dagster as dg

from pipelines.defs.resources import PortalResource
from sources.kinds import KINDS
from sources.landing_folder import printable

#: shares are sums of floating-point fractions
TOLERANCE = 1e-9


#: how many failures a check's description names (its metadata lists up to FAILURES_LISTED)
FAILURES_NAMED, FAILURES_LISTED = 10, 50


def check_result(failures: list[str], check_name: str | None = None, **metadata: object) -> dg.AssetCheckResult:
    """Passed when there are no failures; else the failures are its description (what the UI and `portal
    build` show) and its metadata."""
    more = f"\n… and {len(failures) - FAILURES_NAMED} more" if len(failures) > FAILURES_NAMED else ""
    return dg.AssetCheckResult(
        check_name=check_name,
        passed=not failures,
        description="\n".join(failures[:FAILURES_NAMED]) + more if failures else None,
        # (a failure may name a landing file, whose name may hold a newline or a terminal code)
        metadata={"failures": dg.MetadataValue.md(
            "\n".join(f"- {printable(f)}" for f in failures[:FAILURES_LISTED]) or "none"),
                  **metadata},
    )


#: the rows each file left in its kind's raw table
_LOADED_ROWS = "\n                UNION ALL ".join(
    f"SELECT source_file AS file, '{kind}' AS kind, count(*) AS n FROM raw.{kind} GROUP BY 1" for kind in KINDS)


@dg.asset_check(asset=["audit", "load_log"], blocking=True, description="rows_read = rows_loaded + rows_quarantined "
                "for every file, and the loaded and quarantined rows are really in raw.* and audit.quarantine.")
def rows_add_up(portal: PortalResource) -> dg.AssetCheckResult:
    with portal.connect() as con:
        rows = con.execute(
            f"""
            WITH loaded AS ({_LOADED_ROWS}), quarantined AS (
                SELECT file, kind, count(*) AS n FROM audit.quarantine GROUP BY ALL
            )
            SELECT l.file, l.kind, l.rows_read, l.rows_loaded, l.rows_quarantined,
                   coalesce(ld.n, 0), coalesce(q.n, 0)
            FROM audit.load_log l
            LEFT JOIN loaded ld USING (file, kind)
            LEFT JOIN quarantined q USING (file, kind)
            """
        ).fetchall()
    failures = [
        f"{file} ({kind}): read {read}, loaded {loaded} (in table {in_raw}), quarantined {quarantined} "
        f"(in quarantine {in_quarantine})"
        for file, kind, read, loaded, quarantined, in_raw, in_quarantine in rows
        if read != loaded + quarantined or loaded != in_raw or quarantined != in_quarantine
    ]
    return check_result(failures, files_checked=len(rows))


@dg.asset_check(asset=["reference", "major_industry_crosswalk"], blocking=True,
                description="Each major's crosswalk weights are ≥ 0, sum to 1, and name known majors and divisions.")
def crosswalk_weights_sum_to_one(portal: PortalResource) -> dg.AssetCheckResult:
    with portal.connect() as con:
        rows = con.execute(
            """
            SELECT 'major ' || major_code || ': weights sum to ' || round(sum(weight), 6)
            FROM reference.major_industry_crosswalk GROUP BY major_code HAVING abs(sum(weight) - 1) > 1e-9
            UNION ALL
            SELECT 'major ' || major_code || ' → ' || industry_code || ': negative weight ' || weight
            FROM reference.major_industry_crosswalk WHERE weight < 0
            UNION ALL
            SELECT 'major ' || major_code || ' has no crosswalk row' FROM reference.majors
            WHERE major_code NOT IN (SELECT major_code FROM reference.major_industry_crosswalk)
            UNION ALL
            SELECT 'unknown major ' || major_code || ' in the crosswalk' FROM reference.major_industry_crosswalk
            WHERE major_code NOT IN (SELECT major_code FROM reference.majors)
            UNION ALL
            SELECT 'unknown division ' || industry_code || ' in the crosswalk' FROM reference.major_industry_crosswalk
            WHERE industry_code NOT IN (SELECT industry_code FROM reference.industries)
            """
        ).fetchall()
    return check_result([r[0] for r in rows])


def _shares_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=["marts", table], name="shares_sum_to_one", blocking=True,
                    description="Within each geography, level and year, supply shares and demand shares each sum to 1 "
                    "(where there is any supply, resp. demand).")
    def _check(portal: PortalResource) -> dg.AssetCheckResult:
        with portal.connect() as con:
            rows = con.execute(
                f"""
                SELECT geography_level, geography || ' ' || level, year, sum(supply_share), sum(demand_share),
                       sum(supply), sum(demand)
                FROM marts.{table} GROUP BY ALL
                """
            ).fetchall()
        failures = []
        for level, geo, year, supply_share, demand_share, supply, demand in rows:
            for label, total, share in (("supply", supply, supply_share), ("demand", demand, demand_share)):
                if total > 0 and abs(share - 1) > TOLERANCE:
                    failures.append(f"{level} {geo} {year}: {label} shares sum to {share}")
        return check_result(failures, groups_checked=len(rows))

    return _check


major_gap_shares_sum_to_one = _shares_check("major_gap")
industry_gap_shares_sum_to_one = _shares_check("industry_gap")
