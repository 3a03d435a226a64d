"""The outlook and the what-if (docs/metrics.md "Outlook", "What-if"): a province's supply of each major for the
years after the latest one, from enrolment, and its demand share carried along its trend; projected shares,
alignment and status, and the same with the planner's enrolment changes, side by side.

Pure pandas over frames read from the marts (marts.enrolment, marts.demand_share_trend, marts.major_gap): it
runs in the session, writes nothing and needs no rebuild. The status of a projected year is judged by the
warehouse's own macros (warehouse/models/macros.sql, on an in-memory DuckDB), so the thresholds and rules are
the ones the marts use, written once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import duckdb
import pandas as pd

from warehouse import models as warehouse_models
from warehouse import settings as warehouse_settings

#: years projected after the latest year (METRICS.md "Outlook": y+1 … y+3)
HORIZON_YEARS = 3
COLUMNS = ["major_code", "year", "supply", "demand", "supply_share", "demand_share", "alignment", "status"]


@dataclass(frozen=True)
class EnrolmentChange:
    """Enrolment of `major_code` at `university_code` changed for every cohort enrolled from `from_year` on, by
    `people` (±) or by `percent` (± %, of each cohort's enrolment). Enrolment never goes below 0."""

    university_code: str
    major_code: str
    from_year: int
    people: float = 0.0
    percent: float = 0.0

    def apply(self, enrolment: float) -> float:
        return max(0.0, enrolment * (1 + self.percent / 100) + self.people)


def lag_years(level: str) -> int:
    """Years from enrolment to graduation (本科 4, 专科 3)."""
    return warehouse_settings.PROJECTION_LAG_YEARS[level]


def horizon_for(base_year: int, level: str, changes: Iterable[EnrolmentChange] = ()) -> int:
    """The years to project: HORIZON_YEARS, or further, to the year the last changed cohort to start graduates,
    so that a change is seen (a bachelor cohort enrolled in 2026 graduates in 2030)."""
    reach = [c.from_year + lag_years(level) - base_year for c in changes]
    return max([HORIZON_YEARS, *reach])


def cohort_enrolment(enrolment: pd.DataFrame, cohort_year: int,
                     changes: Iterable[EnrolmentChange] = ()) -> pd.Series:
    """Enrolment of each (university_code, major_code) in `cohort_year`: as the catalogues give it, held at the
    latest catalogue year for later cohorts (an assumption the page states), then the changes applied."""
    latest = int(enrolment["year"].max())
    year = min(cohort_year, latest)
    rows = enrolment[enrolment["year"] == year]
    cohort = rows.set_index(["university_code", "major_code"])["enrolment"].fillna(0.0).astype(float)
    for change in changes:
        key = (change.university_code, change.major_code)
        if cohort_year >= change.from_year and key in cohort.index:
            cohort.loc[key] = change.apply(float(cohort.loc[key]))
    return cohort


def project(enrolment: pd.DataFrame, trend: pd.DataFrame, total_demand: float, level: str, base_year: int,
            years: int = HORIZON_YEARS, changes: Iterable[EnrolmentChange] = ()) -> pd.DataFrame:
    """One province's projected supply, demand, shares, alignment and status per major for base_year+1 …
    base_year+years.

    enrolment: marts.enrolment rows of the province and level (university_code, major_code, year, enrolment);
    trend: marts.demand_share_trend rows of the province, level and base year (major_code,
    demand_share_fitted, demand_share_slope); total_demand: the province's demand at that level in base_year,
    which turns a projected share into positions for the evidence thresholds (demand is carried as a share).
    """
    changes = tuple(changes)
    lag = lag_years(level)
    trend = trend.set_index("major_code")
    columns = ["major_code", "year", "supply", "demand", "demand_share"]
    parts = []
    for year in range(base_year + 1, base_year + years + 1):
        supply = cohort_enrolment(enrolment, year - lag, changes).groupby(level="major_code").sum()
        majors = sorted(set(supply.index) | set(trend.index))
        # a major without a trend row has a share of 0; one whose trend is undefined (NaN) has none
        fitted = trend["demand_share_fitted"].reindex(majors, fill_value=0.0).astype(float)
        slope = trend["demand_share_slope"].reindex(majors, fill_value=0.0).astype(float)
        share = (fitted + slope * (year - base_year)).clip(lower=0.0)
        parts.append(pd.DataFrame({"major_code": majors, "year": year,
                                   "supply": supply.reindex(majors, fill_value=0.0).astype(float).to_numpy(),
                                   "demand": (share * total_demand).to_numpy(), "demand_share": share.to_numpy()},
                                  columns=columns))
    frame = judged(pd.concat(parts, ignore_index=True), level)  # HORIZON_YEARS or more years: never no part
    frame["is_projection"] = True
    return frame


@cache
def _rules() -> tuple[duckdb.DuckDBPyConnection, threading.Lock]:
    """An in-memory connection with the warehouse's settings and macros, made once per process (making the
    macros is most of a judgement's cost), and the lock that lets one session at a time use it."""
    con = duckdb.connect()
    warehouse_models.prepare(con)
    return con, threading.Lock()


def judged(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    """The projected rows with their supply share, alignment and status by the warehouse's formulas (macros
    ratio, gap_status_reason and gap_status, as marts.gap_by_geography applies them), in COLUMNS order."""
    con, lock = _rules()
    with lock:
        con.register("projected", frame.assign(level=level))
        try:
            judged_rows = con.execute(
                """
                WITH shares AS (
                    SELECT *, ratio(supply, sum(supply) OVER (PARTITION BY year)) AS supply_share
                    FROM projected
                )
                SELECT major_code, year, supply, demand, supply_share, demand_share,
                       ratio(demand_share, supply_share) AS alignment,
                       gap_status(gap_status_reason(level, supply, coalesce(demand, 0),
                                                    ratio(demand_share, supply_share))) AS status
                FROM shares ORDER BY year, major_code
                """).df()
        finally:
            con.unregister("projected")
    for column in ("supply", "demand", "supply_share", "demand_share", "alignment"):
        judged_rows[column] = judged_rows[column].astype(float)
    # a missing trend (too few survey years) is no judgement
    judged_rows["status"] = judged_rows["status"].where(judged_rows["demand_share"].notna(), "insufficient_data")
    return judged_rows[COLUMNS]


def what_if(enrolment: pd.DataFrame, trend: pd.DataFrame, total_demand: float, level: str, base_year: int,
            changes: Iterable[EnrolmentChange], years: int | None = None) -> pd.DataFrame:
    """The outlook without and with the changes, side by side: per major and year, each projected column as
    `<column>_before` and `<column>_after`, and `changed` where the status differs."""
    changes = tuple(changes)
    years = years or horizon_for(base_year, level, changes)
    before = project(enrolment, trend, total_demand, level, base_year, years)
    after = project(enrolment, trend, total_demand, level, base_year, years, changes) if changes else before
    both = before.drop(columns="is_projection").merge(after.drop(columns="is_projection"),
                                                      on=["major_code", "year"], suffixes=("_before", "_after"))
    both["changed"] = both["status_before"] != both["status_after"]
    return both


def chart_frame(history: pd.DataFrame, scenarios: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One major's alignment for the outlook chart: the actual years (history: year, alignment, status) under
    the first scenario's name, and each scenario's projection (year, alignment, status) as its own segment,
    starting from the last actual year (`anchor`, not drawn as a point) so it continues the history."""
    names = list(scenarios)
    actual = history[["year", "alignment", "status"]].assign(
        scenario=names[0], segment="actual", is_projection=False, anchor=False)
    parts = [actual]
    last = actual.sort_values("year").tail(1)
    for name, projected in scenarios.items():
        parts.append(last.assign(scenario=name, segment=name, is_projection=True, anchor=True))
        parts.append(projected[["year", "alignment", "status"]].assign(
            scenario=name, segment=name, is_projection=True, anchor=False))
    return pd.concat(parts, ignore_index=True)
