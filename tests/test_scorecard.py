"""The scorecard's indicators and percentiles (marts.scorecard, marts.demand_share_trend) against independent
recomputation from the marts they are built from, on the demo warehouse."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from warehouse import settings


@pytest.fixture(scope="module")
def con(demo_build):
    with demo_build.connect() as connection:
        yield connection


def test_percentiles_are_the_rank_among_the_provinces_rows_of_the_same_level_and_year(con):
    card = con.sql("SELECT * FROM marts.scorecard").df()
    keys = ["scope_level", "province_name", "level", "year", "indicator"]
    # a percentile rank by pandas' average rank: (average rank − ½) / n, ties sharing one value
    ranks = card.groupby(keys)["value"].rank(method="average")
    counts = card.groupby(keys)["value"].transform("count")
    expected = 100 * (ranks - 0.5) / counts
    assert card["percentile"].notna().sum() > 1000
    pd.testing.assert_series_equal(card["percentile"], expected, check_names=False, atol=1e-9)
    assert card.loc[card["value"].isna(), "undefined"].notna().all()


def test_university_indicators_are_the_provinces_alignment_and_pay_and_the_universitys_internship_figures(con):
    card = con.sql("SELECT * FROM marts.scorecard WHERE scope_level = 'university'").df()
    wide = card.pivot(index=["university_code", "major_code", "level", "year", "province_name"],
                      columns="indicator", values="value").reset_index()
    gap = con.sql("SELECT geography AS province_name, level, year, major_code, alignment AS gap_alignment "
                  "FROM marts.major_gap WHERE geography_level = 'province'").df()
    internships = con.sql("SELECT university_code, major_code, year, coverage AS c, retention AS r "
                          "FROM marts.internship_coverage").df()
    pay = con.sql("SELECT geography AS province_name, year, major_code, salary_median AS s FROM marts.salary "
                  "WHERE breakdown = 'major' AND geography_level = 'province'").df()
    merged = wide.merge(gap, how="left").merge(internships, how="left").merge(pay, how="left")
    assert len(merged) == len(wide) > 500
    assert merged["salary"].notna().sum() > 100  # the province's median pay of the major, where shown
    assert np.allclose(merged["salary"], merged["s"], equal_nan=True)
    assert np.allclose(merged["alignment"], merged["gap_alignment"], equal_nan=True)
    assert np.allclose(merged["coverage"], merged["c"], equal_nan=True)
    assert np.allclose(merged["retention"], merged["r"], equal_nan=True)


def test_demand_trend_is_the_least_squares_slope_over_the_three_latest_survey_years(con):
    gap = con.sql("SELECT major_code, year, demand_share FROM marts.major_gap "
                  "WHERE geography = '辽宁省' AND level = '本科'").df()
    shares = gap.pivot(index="major_code", columns="year", values="demand_share").fillna(0)
    trend = con.sql("SELECT major_code, year, demand_share_slope, demand_share_fitted FROM marts.demand_share_trend "
                    "WHERE geography = '辽宁省' AND level = '本科'").df().set_index(["major_code", "year"])
    years = sorted(shares.columns)
    last = years[-settings.TREND_YEARS:]
    for major in ("080902", "120202", "020401"):
        slope, intercept = np.polyfit(last, shares.loc[major, last].to_numpy(), 1)
        row = trend.loc[(major, years[-1])]
        assert row["demand_share_slope"] == pytest.approx(slope, abs=1e-12)
        assert row["demand_share_fitted"] == pytest.approx(intercept + slope * years[-1], abs=1e-12)
    # two survey years are too few for a trend
    assert trend.loc[("080902", years[1]), "demand_share_slope"] != trend.loc[("080902", years[1]), "demand_share_slope"]
