"""The Scorecard page's queries (/scorecard, docs/metrics.md "Decision support"): the subjects a viewer may
score, the scorecard with a weighted score, and the inputs of the outlook and what-if.

Every function takes the viewer's access (dashboard/access.py) first and binds it into its SQL, as the
catalogue's queries do (dashboard/queries.py): a university's own majors only for that university, the data
staff and the education department of its province (or of the region); a province's aggregate scorecard for
every viewer who may see that province. So no
URL, widget or download can widen what a viewer sees: a university code the viewer may not see yields no rows.
The weights reach SQL as bound lists; the indicator names formatted into SQL are the fixed ones below.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import outlook
from dashboard.access import Access
from dashboard.reading import Publication, publication, query
from warehouse import models

#: the scorecard's indicators, in the order the page lists them (all "higher is better")
INDICATORS = ("alignment", "demand_trend", "salary", "coverage", "relevance", "conversion", "retention")
PROVINCE, UNIVERSITY_SCOPE = "province", "university"


def _universities_seen(access: Access, table: str = "") -> tuple[str, tuple]:
    """SQL (over the columns university_code and province_name of `table`) true for the universities this
    viewer may see one by one, with its parameters."""
    at = f"{table}." if table else ""
    return access.parties(f"{at}province_name", university_column=f"{at}university_code")


def available_indicators() -> tuple[str, ...]:
    """The indicators the published marts provide (salary joins when the skills-and-pay marts add it)."""
    found = set(query("SELECT DISTINCT indicator FROM marts.scorecard")["indicator"])
    return tuple(i for i in INDICATORS if i in found)


def subjects(access: Access, study_level: str, year: int) -> pd.DataFrame:
    """What the viewer may score in a year and level: every province (aggregates), and the universities of
    its scope (kind, key, province_name, university_name, university_name_en)."""
    visible, params = _universities_seen(access, "s")
    seen, seen_params = access.places("'province'", "province_name")
    # the mart's rows are each subject's indicators: one pass makes them distinct before names are joined
    return query(
        f"""
        WITH s AS (
            SELECT DISTINCT scope_level, province_name, university_code, university_name
            FROM marts.scorecard WHERE level = ? AND year = ?
        )
        SELECT DISTINCT 'province' AS kind, province_name AS key, province_name,
               NULL AS university_name, NULL AS university_name_en
        FROM s WHERE scope_level = 'province' AND {seen}
        UNION ALL
        SELECT DISTINCT 'university', s.university_code, s.province_name, s.university_name, u.university_name_en
        FROM s LEFT JOIN dims.university AS u USING (university_code)
        WHERE s.scope_level = 'university' AND {visible}
        ORDER BY kind, province_name, key
        """,
        (study_level, year, *seen_params, *params),
    )


def scorecard(access: Access, kind: str, key: str, study_level: str, year: int,
              weights: tuple[tuple[str, float], ...]) -> pd.DataFrame:
    """One province's or one university's majors: each indicator's value and percentile, the weighted score
    `Σ weight · percentile / Σ weight` over the indicators present (METRICS.md "Scorecard"), the weighted
    indicators it lacks (`missing`, with `missing_reasons`), and the province's status and card of the major.
    Sorted by score, best first."""
    visible, params = _universities_seen(access)
    seen, seen_params = access.places("'province'", "province_name")
    names = [i for i, _ in weights if i in INDICATORS]
    values = [float(w) for i, w in weights if i in INDICATORS]
    pivoted = ",\n".join(
        f"max(value) FILTER (WHERE indicator = '{i}') AS {i}, "
        f"max(percentile) FILTER (WHERE indicator = '{i}') AS {i}_percentile" for i in INDICATORS)
    # the score's formula is the macro weighted_score (warehouse/models/macros.sql), sent with the query
    return query(
        models.with_macros(f"""
        WITH weights AS (SELECT unnest(?::varchar[]) AS indicator, unnest(?::double[]) AS weight),
        rows AS (
            SELECT * FROM marts.scorecard
            WHERE level = ? AND year = ? AND scope_level = ?
              AND ((scope_level = 'province' AND province_name = ? AND {seen})
                   OR (scope_level = 'university' AND university_code = ? AND {visible}))
        ),
        scored AS (
            SELECT r.province_name, r.major_code, any_value(r.major_name) AS major_name,
                   weighted_score(w.weight, r.percentile) AS score,
                   coalesce(list(r.indicator ORDER BY r.indicator)
                     FILTER (WHERE r.value IS NULL AND w.weight > 0), []) AS missing,
                   coalesce(list(r.indicator || ':' || r.undefined ORDER BY r.indicator)
                     FILTER (WHERE r.value IS NULL AND w.weight > 0), []) AS missing_reasons,
                   {pivoted}
            FROM rows AS r LEFT JOIN weights AS w USING (indicator)
            GROUP BY r.province_name, r.major_code
        )
        SELECT s.*, m.major_name_en, g.status, c.card, c.survey_years, c.statuses
        FROM scored AS s
        LEFT JOIN dims.major AS m USING (major_code)
        LEFT JOIN marts.major_gap AS g
            ON g.geography_level = 'province' AND g.geography = s.province_name AND g.level = ? AND g.year = ?
            AND g.major_code = s.major_code
        LEFT JOIN marts.major_cards AS c
            ON c.geography_level = 'province' AND c.geography = s.province_name AND c.level = ? AND c.year = ?
            AND c.major_code = s.major_code
        ORDER BY s.score DESC NULLS LAST, s.major_code
        """),
        (names, values, study_level, year, kind, key, *seen_params, key, *params, study_level, year, study_level, year),
    )


def province_history(access: Access, province: str, study_level: str) -> pd.DataFrame:
    """The province's actual supply, demand, shares, alignment and status per major and year (aggregates: the
    outlook's history)."""
    seen, seen_params = access.places("g.geography_level", "g.geography")
    return query(
        f"""
        SELECT g.major_code, g.major_name, m.major_name_en, g.year, g.supply, g.demand, g.supply_share,
               g.demand_share, g.alignment, g.status
        FROM marts.major_gap AS g LEFT JOIN dims.major AS m USING (major_code)
        WHERE g.geography_level = 'province' AND g.geography = ? AND g.level = ? AND {seen}
        ORDER BY g.major_code, g.year
        """,
        (province, study_level, *seen_params),
    )


def demand_trend(access: Access, province: str, study_level: str, year: int) -> pd.DataFrame:
    seen, seen_params = access.places("'province'", "geography")
    return query(
        "SELECT major_code, demand_share_fitted, demand_share_slope FROM marts.demand_share_trend "
        f"WHERE geography = ? AND level = ? AND year = ? AND {seen}",
        (province, study_level, year, *seen_params),
    )


def province_demand(access: Access, province: str, study_level: str, year: int) -> float:
    seen, seen_params = access.places("geography_level", "geography")
    found = query("SELECT sum(demand) AS demand FROM marts.major_gap WHERE geography_level = 'province' "
                  f"AND geography = ? AND level = ? AND year = ? AND {seen}",
                  (province, study_level, year, *seen_params))
    return float(found["demand"].iloc[0] or 0) if not found.empty else 0.0


def enrolment(access: Access, province: str, study_level: str) -> pd.DataFrame:
    """The province's enrolment per university, major and year for the outlook: universities the viewer may
    see one by one under their codes, the rest of the province summed under the code '' (the outlook needs
    the province's whole supply; a viewer sees no other university's own figures)."""
    visible, params = _universities_seen(access)
    seen, seen_params = access.places("'province'", "province_name")
    return query(
        f"""
        SELECT CASE WHEN {visible} THEN university_code ELSE '' END AS university_code,
               major_code, year, sum(enrolment) AS enrolment
        FROM marts.enrolment
        WHERE province_name = ? AND level = ? AND {seen}
        GROUP BY ALL
        ORDER BY 1, 2, 3
        """,
        (*params, province, study_level, *seen_params),
    )


def university_majors(access: Access, province: str, study_level: str,
                      year: int) -> pd.DataFrame:
    """The university-majors of the province the viewer may change in a what-if (with their enrolment)."""
    visible, params = _universities_seen(access, "e")
    return query(
        f"""
        SELECT e.university_code, e.university_name, u.university_name_en, e.major_code, e.major_name,
               m.major_name_en, e.enrolment
        FROM marts.enrolment AS e
        LEFT JOIN dims.university AS u USING (university_code)
        LEFT JOIN dims.major AS m USING (major_code)
        WHERE e.province_name = ? AND e.level = ? AND e.year = ? AND {visible}
        ORDER BY e.university_code, e.major_code
        """,
        (province, study_level, year, *params),
    )


def what_if(access: Access, province: str, study_level: str, year: int,
            changes: tuple[outlook.EnrolmentChange, ...]) -> pd.DataFrame:
    """The province's outlook without and with the changes (outlook.what_if) from its enrolment, demand trend
    and demand, kept per publication, viewer and input: a rerun of the page with the same what-if reuses it
    rather than reading the province's whole enrolment again."""
    return _what_if(publication(), access, province, study_level, year, tuple(changes))


@st.cache_data(show_spinner=False, max_entries=64)
def _what_if(pub: Publication | None, access: Access, province: str, study_level: str, year: int,
             changes: tuple[outlook.EnrolmentChange, ...]) -> pd.DataFrame:
    # `pub` keys the result to the publication read (a new one is projected anew), as reading.query's results are
    return outlook.what_if(enrolment(access, province, study_level), demand_trend(access, province, study_level, year),
                           province_demand(access, province, study_level, year), study_level, year, changes)
