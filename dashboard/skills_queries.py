"""The Skills page's queries (and the skills parts of Majors and Industries): all SQL, over the skills marts
(docs/metrics.md "Skills and pay"). Every function but the list of skills takes the viewer's access
(dashboard/access.py) first and binds it into its SQL, as the catalogue's queries do (dashboard/queries.py):
the marts hold aggregates of places (no enterprise's own survey rows), read as far as the viewer sees places
(the public: the region and provinces, not cities), and universities' core courses, read for the universities
the viewer sees one by one. The queries of one skill's or one major's demand take the study level the pages' level
filter chose (`study_level`), as the gap queries do: the skills marts are per level of the positions."""

from __future__ import annotations

import pandas as pd

from dashboard.access import Access
from dashboard.reading import query, tables


def skills() -> pd.DataFrame:
    """Every skill some position asks for, by total demand (most asked first)."""
    return query(
        "SELECT skill_id, any_value(skill_name) AS skill_name, any_value(skill_name_en) AS skill_name_en, "
        "any_value(category) AS category, any_value(category_en) AS category_en FROM marts.skill_demand "
        "WHERE geography_level = 'region' GROUP BY skill_id ORDER BY sum(skill_demand) DESC, skill_id")


def top_skills(access: Access, geography_level: str, geography: str, year: int, limit: int = 15) -> pd.DataFrame:
    """The skills most asked for in one geography-year over all majors (each position's headcount once: Σ over a
    skill's majors of headcount / k), with the skill's median pay there (NULL below the salary threshold)."""
    seen, seen_params = access.places("d.geography_level", "d.geography")
    return query(
        "SELECT d.skill_id, any_value(d.skill_name) AS skill_name, any_value(d.skill_name_en) AS skill_name_en, "
        "sum(d.skill_demand) AS skill_demand, any_value(s.salary_median) AS salary_median FROM marts.skill_demand d "
        "LEFT JOIN marts.salary s ON s.breakdown = 'skill' AND s.skill_id = d.skill_id "
        "AND s.geography_level = d.geography_level AND s.geography = d.geography AND s.year = d.year "
        f"WHERE d.geography_level = ? AND d.geography = ? AND d.year = ? AND {seen} "
        "GROUP BY d.skill_id ORDER BY skill_demand DESC, d.skill_id LIMIT ?",
        (geography_level, geography, year, *seen_params, limit))


def skill_by_major(access: Access, skill_id: str, geography_level: str, geography: str, year: int,
                   study_level: str) -> pd.DataFrame:
    """Who asks for a skill: its demand and share per major among the positions of one study level, with the
    major's median pay (over all levels: marts.salary has none), in one geography-year."""
    seen, seen_params = access.places("d.geography_level", "d.geography")
    return query(
        "SELECT d.major_code, d.major_name, d.major_name_en, d.skill_demand, d.positions, d.skill_share, "
        "d.skill_share_change, s.salary_median FROM marts.skill_demand d "
        "LEFT JOIN marts.salary s ON s.breakdown = 'major' AND s.major_code = d.major_code "
        "AND s.geography_level = d.geography_level AND s.geography = d.geography AND s.year = d.year "
        f"WHERE d.skill_id = ? AND d.level = ? AND d.geography_level = ? AND d.geography = ? AND d.year = ? "
        f"AND {seen} ORDER BY d.skill_demand DESC",
        (skill_id, study_level, geography_level, geography, year, *seen_params))


def skill_by_place(access: Access, skill_id: str, year: int, study_level: str) -> pd.DataFrame:
    """Where a skill is asked for: its demand per city among the positions of one study level (summed over majors,
    each position once: Σ headcount / k over a position's k majors is its headcount) with the positions giving a
    salary and its pay quartiles there (over all levels: marts.salary has none)."""
    seen, seen_params = access.places("geography_level", "geography")
    return query(
        "WITH demand AS (SELECT geography, sum(skill_demand) AS skill_demand FROM marts.skill_demand "
        f"WHERE skill_id = ? AND level = ? AND geography_level = 'city' AND year = ? AND {seen} GROUP BY geography) "
        "SELECT demand.geography AS city_name, c.city_name_en, demand.skill_demand, s.positions, s.salary_p25, "
        "s.salary_median, s.salary_p75 FROM demand "
        "LEFT JOIN marts.salary s ON s.breakdown = 'skill' AND s.skill_id = ? AND s.geography_level = 'city' "
        "AND s.geography = demand.geography AND s.year = ? "
        "LEFT JOIN dims.city c ON c.city_name = demand.geography "
        "ORDER BY demand.skill_demand DESC", (skill_id, study_level, year, *seen_params, skill_id, year))


def skill_teaching(access: Access, skill_id: str, geography_level: str, geography: str, year: int,
                   study_level: str) -> pd.DataFrame:
    """Which universities' majors of one study level teach a skill by their core courses, in one geography-year:
    those of the universities the viewer sees one by one."""
    own, own_params = access.universities()
    return query(
        "SELECT university_code, university_name, university_name_en, major_code, major_name, major_name_en, "
        "courses FROM marts.skill_teaching WHERE skill_id = ? AND level = ? AND year = ? "
        "AND (? = 'region' OR (? = 'province' AND province_name = ?) OR (? = 'city' AND city_name = ?)) "
        f"AND university_code IN {own} ORDER BY university_code, major_code",
        (skill_id, study_level, year, geography_level, geography_level, geography, geography_level, geography,
         *own_params))


def major_top_skills(access: Access, major_code: str, geography_level: str, geography: str,
                     year: int, study_level: str) -> pd.DataFrame:
    """What employers ask of a major at one study level: its ten most demanded skills, share and trend, in one
    geography-year."""
    seen, seen_params = access.places("geography_level", "geography")
    return query(
        "SELECT skill_id, skill_name, skill_name_en, skill_share, skill_share_change, positions, skill_demand "
        "FROM marts.major_top_skills WHERE major_code = ? AND level = ? AND geography_level = ? AND geography = ? "
        f"AND year = ? AND {seen} ORDER BY skill_rank",
        (major_code, study_level, geography_level, geography, year, *seen_params))


def skill_gap(access: Access, university_code: str, major_code: str, year: int) -> pd.DataFrame:
    """What a university's courses for a major miss: the skills asked for in ≥ 10 % of the major's demand in
    its province, covered or not; nothing for a university the viewer does not see one by one."""
    own, own_params = access.universities()
    return query(
        "SELECT skill_id, skill_name, skill_name_en, skill_share, covered, covering_courses, is_gap, courses_listed "
        f"FROM marts.skill_gap WHERE university_code = ? AND major_code = ? AND year = ? AND university_code IN {own} "
        "ORDER BY is_gap DESC, skill_share DESC", (university_code, major_code, year, *own_params))


def division_top_skills(access: Access, industry_code: str, geography_level: str, geography: str,
                        year: int) -> pd.DataFrame:
    """A division's most demanded skills (by positions naming them) with their pay there."""
    seen, seen_params = access.places("geography_level", "geography")
    return query(
        "SELECT skill_id, skill_name, skill_name_en, positions, headcount, salary_p25, salary_median, salary_p75, suppressed "
        "FROM marts.salary WHERE breakdown = 'division_skill' AND industry_code = ? AND geography_level = ? "
        f"AND geography = ? AND year = ? AND {seen} ORDER BY headcount DESC LIMIT 10",
        (industry_code, geography_level, geography, year, *seen_params))


def unmatched_skill_pieces(access: Access) -> pd.DataFrame | None:
    """Survey skill wordings the vocabulary matched neither exactly nor fuzzily, over all years, most written first
    (None before this mart): the data staff's, to extend the vocabulary."""
    if "marts.unmatched_skill_pieces" not in tables():
        return None
    staff, staff_params = access.staff_only()
    return query("SELECT piece AS wording, sum(positions) AS positions, sum(headcount) AS headcount, "
                 f"max(year) AS year FROM marts.unmatched_skill_pieces WHERE {staff} GROUP BY piece "
                 "ORDER BY positions DESC, wording LIMIT 500", staff_params)
