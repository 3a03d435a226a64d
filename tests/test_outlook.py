"""The outlook and what-if arithmetic (dashboard/outlook.py) against figures derived by hand, and on the demo
against a recomputation from the marts with numpy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.outlook import EnrolmentChange, horizon_for, project, what_if

#: a province with two majors at two universities; 本科, so a cohort graduates 4 years after it enrols
ENROLMENT = pd.DataFrame(
    [(2022, "U1", "A", 60), (2022, "U2", "A", 40), (2022, "U1", "B", 100),
     (2023, "U1", "A", 80), (2023, "U2", "A", 20), (2023, "U1", "B", 100),
     (2024, "U1", "A", 50), (2024, "U2", "A", 50), (2024, "U1", "B", 50),
     (2025, "U1", "A", 10), (2025, "U2", "A", 10), (2025, "U1", "B", 80)],
    columns=["year", "university_code", "major_code", "enrolment"])
#: A's demand share rises 5 points a year from 60 %, B's falls 15 points from 40 %
TREND = pd.DataFrame({"major_code": ["A", "B"], "demand_share_fitted": [0.6, 0.4],
                      "demand_share_slope": [0.05, -0.15]})
TOTAL_DEMAND = 300.0


def outlook(**kwargs) -> pd.DataFrame:
    return project(ENROLMENT, TREND, TOTAL_DEMAND, "本科", 2025, **kwargs).set_index(["major_code", "year"])


def test_supply_is_the_enrolment_four_years_earlier_and_demand_share_follows_its_trend():
    got = outlook()
    # 2026: the 2022 cohort, A 60+40 = 100 and B 100; A's share 0.6+0.05 = 0.65 against half the graduates
    assert got.loc[("A", 2026), "supply"] == 100 and got.loc[("B", 2026), "supply"] == 100
    assert got.loc[("A", 2026), "demand_share"] == pytest.approx(0.65)
    assert got.loc[("A", 2026), "demand"] == pytest.approx(195)
    assert got.loc[("A", 2026), "alignment"] == pytest.approx(1.3)
    assert got.loc[("A", 2026), "status"] == "shortage"
    assert got.loc[("B", 2026), "alignment"] == pytest.approx(0.5)
    assert got.loc[("B", 2026), "status"] == "surplus"
    # 2028: the 2024 cohort, A 100 of 150 graduates against a share of 0.75: 1.125, balanced
    assert got.loc[("A", 2028), "supply_share"] == pytest.approx(2 / 3)
    assert got.loc[("A", 2028), "alignment"] == pytest.approx(1.125)
    assert got.loc[("A", 2028), "status"] == "balanced"
    # B's share 0.4 − 3 × 0.15 < 0 is clamped at 0: no demand for its 50 graduates
    assert got.loc[("B", 2028), "demand_share"] == 0
    assert got.loc[("B", 2028), "status"] == "no_demand"
    assert sorted(got.index.get_level_values("year").unique()) == [2026, 2027, 2028]


def test_cohorts_after_the_latest_catalogue_are_held_at_its_enrolment():
    got = outlook(years=5)
    # 2030 graduates enrol in 2026, after the latest catalogue (2025): A 10+10, B 80
    assert got.loc[("A", 2030), "supply"] == 20 and got.loc[("B", 2030), "supply"] == 80
    assert got.loc[("A", 2030), "alignment"] == pytest.approx(0.85 / 0.2)
    assert got.loc[("A", 2030), "status"] == "shortage"


def test_what_if_changes_cohorts_from_a_year_on_by_people_or_percent():
    fewer = what_if(ENROLMENT, TREND, TOTAL_DEMAND, "本科", 2025,
                    [EnrolmentChange("U2", "A", 2024, people=-40)]).set_index(["major_code", "year"])
    # only the 2024 cohort (graduating 2028) changes: U2's 50 become 10, A 60 of 110 graduates
    assert (fewer.loc[[("A", 2026), ("A", 2027)], "supply_after"] == [100, 100]).all()
    assert fewer.loc[("A", 2028), "supply_before"] == 100 and fewer.loc[("A", 2028), "supply_after"] == 60
    assert fewer.loc[("A", 2028), "alignment_after"] == pytest.approx(0.75 / (60 / 110))
    assert fewer.loc[("A", 2028), ["status_before", "status_after"]].tolist() == ["balanced", "shortage"]
    assert fewer.loc[("A", 2028), "changed"] and not fewer.loc[("A", 2027), "changed"]

    more = what_if(ENROLMENT, TREND, TOTAL_DEMAND, "本科", 2025,
                   [EnrolmentChange("U1", "A", 2023, percent=25)]).set_index(["major_code", "year"])
    # U1's 80 (2023) and 50 (2024) grow by a quarter: A 120 of 220 in 2027, 112.5 of 162.5 in 2028
    assert more.loc[("A", 2027), "supply_after"] == pytest.approx(120)
    assert more.loc[("A", 2027), "alignment_after"] == pytest.approx(0.70 / (120 / 220))
    assert more.loc[("A", 2028), "supply_after"] == pytest.approx(112.5)
    assert more.loc[("B", 2027), "supply_share_after"] == pytest.approx(100 / 220)
    assert not more["changed"].any()


def test_the_outlook_reaches_the_year_a_changed_cohort_graduates():
    assert horizon_for(2025, "本科") == 3
    assert horizon_for(2025, "本科", [EnrolmentChange("U1", "A", 2026, percent=30)]) == 5
    assert horizon_for(2025, "专科", [EnrolmentChange("U1", "A", 2026, percent=30)]) == 4


def test_demo_software_engineering_plus_30_percent_from_2026_at_one_university(demo_build):
    with demo_build.connect() as con:
        enrolment = con.execute("SELECT * FROM marts.enrolment WHERE province_name = '辽宁省' AND level = '本科'").df()
        trend = con.execute("SELECT * FROM marts.demand_share_trend WHERE geography = '辽宁省' AND level = '本科' "
                            "AND year = 2025").df()
        total = con.execute("SELECT sum(demand) FROM marts.major_gap WHERE geography = '辽宁省' AND level = '本科' "
                            "AND year = 2025").fetchone()[0]
        shares = con.execute("SELECT year, demand_share FROM marts.major_gap WHERE geography = '辽宁省' "
                             "AND level = '本科' AND major_code = '080902' AND year >= 2023 ORDER BY year").df()
    university = "10145"
    got = what_if(enrolment, trend, total, "本科", 2025,
                  [EnrolmentChange(university, "080902", 2026, percent=30)]).set_index(["major_code", "year"])
    assert sorted(got.index.get_level_values("year").unique()) == [2026, 2027, 2028, 2029, 2030]
    # independently: supply 2026 = the 2022 cohort; 2030 = the 2025 cohort held, this university's by 1.3
    cohort = enrolment.groupby(["year", "major_code"])["enrolment"].sum()
    assert got.loc[("080902", 2026), "supply_before"] == cohort[(2022, "080902")]
    own = enrolment.query("year == 2025 and major_code == '080902' and university_code == @university")["enrolment"]
    assert got.loc[("080902", 2030), "supply_after"] == pytest.approx(cohort[(2025, "080902")] + 0.3 * own.sum())
    assert (got.loc[("080902", [2026, 2027, 2028, 2029]), "supply_after"].to_numpy()
            == got.loc[("080902", [2026, 2027, 2028, 2029]), "supply_before"].to_numpy()).all()
    slope, intercept = np.polyfit(shares["year"], shares["demand_share"], 1)
    assert got.loc[("080902", 2027), "demand_share_before"] == pytest.approx(intercept + slope * 2027)
    supply_share = got.loc[("080902", 2030), "supply_after"] / (cohort[2025].sum() + 0.3 * own.sum())
    assert got.loc[("080902", 2030), "alignment_after"] == pytest.approx(
        max(0, intercept + slope * 2030) / supply_share)


def test_demo_outlook_projects_a_new_majors_first_cohorts_from_their_enrolment(demo_build):
    """吉林省's 人工智能 (080717T) is new: its 2021–2024 catalogue rows give enrolment but no graduates. Its
    projected graduates of 2026–2028 are the cohorts enrolled four years before, as the catalogue rows give them,
    not 0 (which showed a major heading for surplus as unserved)."""
    province, major = "吉林省", "080717T"
    with demo_build.connect() as con:
        rows = con.execute("SELECT year, enrolment, graduates FROM staging.catalogue WHERE province_name = ? "
                           "AND level = '本科' AND major_code = ?", (province, major)).df()
        enrolment = con.execute("SELECT * FROM marts.enrolment WHERE province_name = ? AND level = '本科'",
                                (province,)).df()
        trend = con.execute("SELECT * FROM marts.demand_share_trend WHERE geography = ? AND level = '本科' "
                            "AND year = 2025", (province,)).df()
        total = con.execute("SELECT sum(demand) FROM marts.major_gap WHERE geography = ? AND level = '本科' "
                            "AND year = 2025", (province,)).fetchone()[0]
    assert rows.loc[rows["year"] <= 2024, "graduates"].isna().any(), "the demo's new major lost its empty graduates"
    cohorts = rows.groupby("year")["enrolment"].sum()
    got = project(enrolment, trend, total, "本科", 2025).set_index(["major_code", "year"])
    for year in (2026, 2027, 2028):
        assert cohorts[year - 4] > 0
        assert got.loc[(major, year), "supply"] == pytest.approx(cohorts[year - 4])
        assert got.loc[(major, year), "alignment"] == got.loc[(major, year), "alignment"]  # a point on the chart
