"""The catalogue of every query the dashboard runs: parameterised SQL over the published warehouse's marts,
audit and dims (and, for the survey form, an enterprise's own staged survey rows), each with the viewer's scope
in it.

Every function that reads rows about a place, a university, an enterprise or the build takes the viewer's
`Access` (access.py) as its first argument and puts its fragment in the WHERE clause, with the scope's values
bound like every widget value; so the scope is applied here, in one visible place, and no page, URL, widget
or download can widen it. Only the reference lists that are the same for everyone (years and the year the
pages open on, study levels, industries, majors) take none. The only names formatted into SQL are fixed column names. The plumbing
(publication, connection, cache) is reading.py's.
"""

from __future__ import annotations

import pandas as pd

from dashboard import settings
from dashboard.access import Access
from dashboard.reading import (  # noqa: F401 - what pages use of the plumbing, through the catalogue
    Publication,
    WarehouseUnavailable,
    is_ready,
    publication,
    query,
    tables,
    warehouse_path,
)
from warehouse import models
from warehouse import settings as warehouse_settings

# --- geography and the filters' choices ------------------------------------------------------------
REGION = warehouse_settings.REGION_GEOGRAPHY


def geography_of(province: str | None, city: str | None) -> tuple[str, str]:
    """(geography_level, geography) as the marts key them, for the sidebar's province / city choice."""
    if city:
        return "city", city
    if province:
        return "province", province
    return "region", REGION


def study_levels() -> list[str]:
    """The study levels the gap marts hold (专科 / 本科 / 研究生), in that order."""
    found = set(query("SELECT DISTINCT level FROM marts.headline")["level"])
    return [lv for lv in settings.STUDY_LEVELS if lv in found]


def years() -> list[int]:
    return query("SELECT DISTINCT year FROM marts.headline ORDER BY year")["year"].astype(int).tolist()


def latest_complete_year() -> int | None:
    """The latest year whose regional picture has both sides: graduates from the catalogues (not projected) and
    surveyed demand. The year the pages open on and the survey round the form offers first: a year holding
    only a few early survey answers (one enterprise's form, say) would otherwise be shown as the region's."""
    found = query(
        "SELECT max(year) AS year FROM (SELECT year FROM marts.headline WHERE geography_level = 'region' "
        "GROUP BY year HAVING sum(graduates) > 0 AND sum(demand) > 0 AND NOT bool_or(is_projection))")["year"]
    return None if found.empty or pd.isna(found.iloc[0]) else int(found.iloc[0])


def provinces(access: Access) -> pd.DataFrame:
    """The provinces the viewer may choose (an education department of one province: that one)."""
    seen, seen_params = access.places("'province'", "province_name")
    return query(f"SELECT province_name, province_name_en FROM dims.province WHERE {seen} ORDER BY province_code",
                 seen_params)


def cities(access: Access) -> pd.DataFrame:
    """The cities the viewer may choose, with coordinates, for the filters and the map-like chart (none for the
    public, which sees the region and its provinces)."""
    seen, seen_params = access.places("'city'", "city_name")
    return query(
        "SELECT city_name, city_name_en, province_name, latitude, longitude FROM dims.city "
        f"WHERE {seen} ORDER BY city_code", seen_params)


def universities(access: Access, level: str, geography: str) -> pd.DataFrame:
    """The universities of the geography whose own figures the viewer may open (a university: itself)."""
    own, own_params = access.universities()
    return query(
        f"""
        SELECT university_code, university_name, university_name_en, province_name, city_name
        FROM dims.university
        WHERE university_code IN (SELECT DISTINCT university_code FROM marts.internship_coverage)
          AND (? = 'region' OR (? = 'province' AND province_name = ?) OR (? = 'city' AND city_name = ?))
          AND university_code IN {own}
        ORDER BY university_code
        """,
        (level, level, geography, level, geography, *own_params),
    )


def _geo_clause(column_province: str, column_city: str) -> str:
    return (f"(? = 'region' OR (? = 'province' AND {column_province} = ?) "
            f"OR (? = 'city' AND {column_city} = ?))")


def _geo_params(level: str, geography: str) -> tuple:
    return (level, level, geography, level, geography)


# --- Overview ---------------------------------------------------------------------------------------
def headline(access: Access, level: str, geography: str,
             study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    """Headline figures of one geography and study level (专科 / 本科 / 研究生), every year (the page picks this
    year and last year)."""
    seen, seen_params = access.places("geography_level", "geography")
    return query(
        "SELECT * FROM marts.headline WHERE geography_level = ? AND geography = ? AND level = ? "
        f"AND {seen} ORDER BY year",
        (level, geography, study_level, *seen_params),
    )


_MAJOR_NAMES = """
    LEFT JOIN dims.major AS m USING (major_code)
"""


def major_gap(access: Access, level: str, geography: str, year: int,
              study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    """Every major's supply, demand, alignment and status in one geography, study level and year, with its card
    and the three statuses behind it (a city: its province's)."""
    seen, seen_params = access.places("g.geography_level", "g.geography")
    return query(
        f"""
        SELECT g.major_code, g.major_name, m.major_name_en, g.supply, g.demand, g.gap, g.supply_share,
               g.demand_share, g.alignment, g.status, g.status_reason, g.is_projection, g.market,
               c.card, c.survey_years, c.statuses
        FROM marts.major_gap AS g {_MAJOR_NAMES}
        LEFT JOIN marts.major_cards AS c
            ON c.geography_level = g.geography_level AND c.geography = g.geography AND c.year = g.year
            AND c.level = g.level AND c.major_code = g.major_code
        WHERE g.geography_level = ? AND g.geography = ? AND g.year = ? AND g.level = ? AND {seen}
        ORDER BY g.alignment DESC NULLS FIRST, g.demand DESC
        """,
        (level, geography, year, study_level, *seen_params),
    )


def top_majors(access: Access, level: str, geography: str, year: int, status: str, limit: int = 10,
               study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    """The majors furthest into shortage (highest alignment, unserved first) or surplus (lowest alignment,
    no demand first) in one geography and year."""
    order = "DESC" if status == "shortage" else "ASC"  # a fixed keyword, never widget input
    seen, seen_params = access.places("g.geography_level", "g.geography")
    return query(
        f"""
        SELECT g.major_code, g.major_name, m.major_name_en, g.supply, g.demand, g.alignment, g.status
        FROM marts.major_gap AS g {_MAJOR_NAMES}
        WHERE g.geography_level = ? AND g.geography = ? AND g.year = ? AND g.status = ? AND g.level = ?
          AND {seen}
        ORDER BY g.alignment {order} NULLS FIRST, g.demand DESC, g.supply DESC
        LIMIT ?
        """,
        (level, geography, year, status, study_level, *seen_params, limit),
    )


def major_trend(access: Access, level: str, geography: str, major_code: str,
                study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    seen, seen_params = access.places("geography_level", "geography")
    return query(
        f"""
        SELECT year, supply, demand, gap, alignment, status, status_reason, is_projection
        FROM marts.major_gap
        WHERE geography_level = ? AND geography = ? AND major_code = ? AND level = ? AND {seen}
        ORDER BY year
        """,
        (level, geography, major_code, study_level, *seen_params),
    )


def city_gap_for_major(access: Access, year: int, major_code: str,
                       study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    """One major's gap in every city the viewer sees, with the city's coordinates (a city without the major: no
    status)."""
    seen, seen_params = access.places("'city'", "c.city_name")
    return query(
        f"""
        SELECT c.city_name, c.city_name_en, c.province_name, c.latitude, c.longitude,
               g.supply, g.demand, g.gap, g.alignment, g.status
        FROM dims.city AS c
        LEFT JOIN marts.major_gap AS g
            ON g.geography_level = 'city' AND g.geography = c.city_name AND g.year = ? AND g.major_code = ?
            AND g.level = ?
        WHERE {seen}
        ORDER BY c.city_code
        """,
        (year, major_code, study_level, *seen_params),
    )


def status_counts_by_place(access: Access, level: str, geography: str, year: int,
                           study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    """How many majors are in shortage / balanced / surplus in each place one level below the geography:
    the provinces of the region, the cities of a province (a city: itself), with the province's statuses
    on a city's majors and its imports apart."""
    seen, seen_params = access.places("h.geography_level", "h.geography")
    return query(
        f"""
        SELECT h.geography, coalesce(p.province_name_en, c.city_name_en) AS geography_en,
               h.shortage_majors, h.balanced_majors, h.surplus_majors, h.imports_majors,
               h.insufficient_data_majors, h.graduates, h.demand
        FROM marts.headline AS h
        LEFT JOIN dims.province AS p ON h.geography_level = 'province' AND p.province_name = h.geography
        LEFT JOIN dims.city AS c ON h.geography_level = 'city' AND c.city_name = h.geography
        WHERE h.year = ? AND h.level = ?
          AND ((? = 'region' AND h.geography_level = 'province')
            OR (? = 'province' AND h.geography_level = 'city' AND c.province_name = ?)
            OR (? = 'city' AND h.geography_level = 'city' AND h.geography = ?))
          AND {seen}
        ORDER BY h.geography
        """,
        (year, study_level, level, level, geography, level, geography, *seen_params),
    )


def pillar_gap(access: Access, level: str, geography: str, year: int,
               study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    seen, seen_params = access.places("geography_level", "geography")
    return query(
        f"""
        SELECT pillar, pillar_name, supply, demand, gap, supply_share, demand_share, alignment, status,
               status_reason, is_projection
        FROM marts.pillar_gap
        WHERE geography_level = ? AND geography = ? AND year = ? AND level = ? AND {seen}
        ORDER BY alignment DESC NULLS FIRST
        """,
        (level, geography, year, study_level, *seen_params),
    )


# --- Majors -----------------------------------------------------------------------------------------
def industries_demanding_major(access: Access, level: str, geography: str, year: int, major_code: str,
                               study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    seen, seen_params = access.places("l.geography_level", "l.geography")
    return query(
        f"""
        SELECT l.industry_code, i.industry_name, i.industry_name_en, l.demand, l.supply
        FROM marts.major_industry_links AS l
        LEFT JOIN dims.industry AS i USING (industry_code)
        WHERE l.geography_level = ? AND l.geography = ? AND l.year = ? AND l.major_code = ? AND l.level = ?
          AND l.demand > 0 AND {seen}
        ORDER BY l.demand DESC
        """,
        (level, geography, year, major_code, study_level, *seen_params),
    )


def university_majors(access: Access, university_code: str, year: int,
                      study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    """A university's majors with its graduates and the status of each major in the university's city and
    province (the labour markets its graduates enter), plus its internship coverage."""
    own, own_params = access.universities()
    return query(
        f"""
        SELECT ic.major_code, ic.major_name, m.major_name_en, ic.graduates, ic.placements, ic.coverage,
               ic.relevance, ic.conversion,
               cg.supply AS city_supply, cg.demand AS city_demand, cg.supply_share AS city_supply_share,
               cg.demand_share AS city_demand_share, cg.alignment AS city_alignment,
               cg.status AS city_status, cg.status_reason AS city_status_reason,
               pg.alignment AS province_alignment, pg.status AS province_status
        FROM marts.internship_coverage AS ic
        LEFT JOIN dims.major AS m USING (major_code)
        LEFT JOIN marts.major_gap AS cg
            ON cg.geography_level = 'city' AND cg.geography = ic.city_name AND cg.year = ic.year
            AND cg.major_code = ic.major_code AND cg.level = ?
        LEFT JOIN marts.major_gap AS pg
            ON pg.geography_level = 'province' AND pg.geography = ic.province_name AND pg.year = ic.year
            AND pg.major_code = ic.major_code AND pg.level = cg.level
        WHERE ic.university_code = ? AND ic.year = ? AND ic.level = ? AND ic.graduates IS NOT NULL
          AND ic.university_code IN {own}
        ORDER BY cg.alignment DESC NULLS LAST
        """,
        (study_level, university_code, year, study_level, *own_params),
    )


# --- Industries -------------------------------------------------------------------------------------
def industry_gap(access: Access, level: str, geography: str, year: int,
                 study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    seen, seen_params = access.places("g.geography_level", "g.geography")
    return query(
        f"""
        SELECT g.industry_code, g.industry_name, i.industry_name_en, g.pillar, g.supply, g.demand, g.gap,
               g.supply_share, g.demand_share, g.alignment, g.status, g.status_reason, g.is_projection
        FROM marts.industry_gap AS g
        LEFT JOIN dims.industry AS i USING (industry_code)
        WHERE g.geography_level = ? AND g.geography = ? AND g.year = ? AND g.level = ? AND {seen}
        ORDER BY g.demand DESC
        """,
        (level, geography, year, study_level, *seen_params),
    )


def industry_trend(access: Access, level: str, geography: str, industry_code: str,
                   study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    seen, seen_params = access.places("geography_level", "geography")
    return query(
        f"""
        SELECT year, supply, demand, gap, alignment, status
        FROM marts.industry_gap
        WHERE geography_level = ? AND geography = ? AND industry_code = ? AND level = ? AND {seen}
        ORDER BY year
        """,
        (level, geography, industry_code, study_level, *seen_params),
    )


def majors_feeding_industry(access: Access, level: str, geography: str, year: int, industry_code: str,
                            study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    seen, seen_params = access.places("l.geography_level", "l.geography")
    return query(
        f"""
        SELECT l.major_code, m.major_name, m.major_name_en, l.supply, l.demand
        FROM marts.major_industry_links AS l
        LEFT JOIN dims.major AS m USING (major_code)
        WHERE l.geography_level = ? AND l.geography = ? AND l.year = ? AND l.industry_code = ? AND l.level = ?
          AND (l.supply > 0 OR l.demand > 0) AND {seen}
        ORDER BY l.supply DESC
        """,
        (level, geography, year, industry_code, study_level, *seen_params),
    )


# --- Internships ------------------------------------------------------------------------------------
# Every internship figure, its suppression and the reason a ratio is undefined come from the marts
# (warehouse/models/macros.sql, docs/metrics.md "Internships"): these queries only select.
def enterprises(access: Access, level: str, geography: str) -> pd.DataFrame:
    """Every enterprise of the geography that a survey or the base register names, with or without a base, so
    that any enterprise can find itself; of those, the ones whose own figures the viewer may open (an
    enterprise: itself)."""
    own, own_params = access.enterprises()
    return query(
        f"""
        SELECT e.enterprise_id, coalesce(e.enterprise_name, e.enterprise_id) AS enterprise_name,
               e.surveyed, e.enterprise_id IN (SELECT enterprise_id FROM dims.base) AS has_base, e.province_name
        FROM dims.enterprise AS e
        WHERE {_geo_clause('e.province_name', 'e.city_name')} AND e.enterprise_id IN {own}
        ORDER BY enterprise_name, e.enterprise_id
        """,
        (*_geo_params(level, geography), *own_params),
    )


def bases(access: Access, year: int, *, enterprise_id: str | None = None,
          university_code: str | None = None) -> pd.DataFrame:
    """Bases of one enterprise or one university: capacity, placements and utilisation in the year (of those,
    the bases the viewer sees: a university's, an enterprise's own, or those of its province)."""
    seen, seen_params = access.parties("b.province_name", "b.university_code", "b.enterprise_id")
    return query(
        f"""
        SELECT b.base_id, b.base_name, b.enterprise_name, b.university_code, u.university_name,
               u.university_name_en, b.city_name, c.city_name_en, b.industry_code, b.capacity,
               b.placements, b.utilisation, b.suppressed
        FROM marts.base_utilisation AS b
        LEFT JOIN dims.university AS u USING (university_code)
        LEFT JOIN dims.city AS c ON c.city_name = b.city_name
        WHERE b.year = ? AND (b.enterprise_id = ? OR b.university_code = ?) AND {seen}
        ORDER BY b.suppressed, b.utilisation DESC NULLS LAST
        """,
        (year, enterprise_id, university_code, *seen_params),
    )


#: the filter value that keeps every internship type (production and graduation), organisation or mode
ALL = "all"


def placements_by_major(access: Access, year: int, *, enterprise_id: str | None = None,
                        university_code: str | None = None, internship_type: str = ALL, organisation: str = ALL,
                        mode: str = ALL, study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    """Placements per student major of one study level (the major's) at one enterprise's bases or of one
    university's students, with relevance (and its unknown share) and conversion, for the chosen internship
    type, organisation and mode."""
    kind, selector = ("enterprise", enterprise_id) if enterprise_id else ("university", university_code)
    own_universities, university_params = access.universities()
    own_enterprises, enterprise_params = access.enterprises()
    # computed for the one choice from the facts by the table macro (warehouse/models/reader_macros.sql), and
    # only for a university or an enterprise the viewer may see
    return query(
        models.with_macros(f"""
        SELECT p.major_code, m.major_name, m.major_name_en, p.students, p.placement_rows, p.relevance,
               p.relevance_unknown_share, p.conversion, p.suppressed, p.relevance_undefined,
               p.conversion_undefined
        FROM placements_by_major(?, ?, ?, ?, ?, ?) AS p
        LEFT JOIN dims.major AS m USING (major_code)
        WHERE m.level = ?
          AND ((? = 'university' AND ? IN {own_universities}) OR (? = 'enterprise' AND ? IN {own_enterprises}))
        ORDER BY p.suppressed, p.placement_rows DESC NULLS LAST, p.major_code
        """),
        (kind, selector, year, internship_type, organisation, mode, study_level, kind, selector,
         *university_params, kind, selector, *enterprise_params),
    )


def university_coverage(access: Access, university_code: str, year: int,
                        study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    own, own_params = access.universities()
    return query(
        f"""
        SELECT ic.major_code, ic.major_name, m.major_name_en, ic.graduates, ic.placements, ic.coverage,
               ic.relevance, ic.relevance_unknown_share, ic.conversion, ic.retention, ic.suppressed,
               ic.coverage_undefined, ic.relevance_undefined, ic.conversion_undefined, ic.retention_undefined
        FROM marts.internship_coverage AS ic
        LEFT JOIN dims.major AS m USING (major_code)
        WHERE ic.university_code = ? AND ic.year = ? AND ic.level = ? AND ic.university_code IN {own}
        ORDER BY ic.suppressed, ic.coverage ASC NULLS LAST
        """,
        (university_code, year, study_level, *own_params),
    )


def shortage_low_coverage(access: Access, level: str, geography: str, year: int,
                          study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    """Majors in shortage in the geography, least covered by internships first."""
    seen, seen_params = access.places("g.geography_level", "g.geography")
    return query(
        f"""
        SELECT g.major_code, g.major_name, m.major_name_en, g.demand, g.supply, g.alignment, g.status,
               i.graduates, i.placements, i.coverage, coalesce(i.suppressed, false) AS suppressed,
               coalesce(i.coverage_undefined, 'no_graduates') AS coverage_undefined
        FROM marts.major_gap AS g
        LEFT JOIN dims.major AS m USING (major_code)
        LEFT JOIN marts.internship_by_geography AS i
            ON i.geography_level = g.geography_level AND i.geography = g.geography AND i.year = g.year
            AND i.level = g.level AND i.major_code = g.major_code
        WHERE g.geography_level = ? AND g.geography = ? AND g.year = ? AND g.status = 'shortage' AND g.level = ?
          AND {seen}
        ORDER BY coalesce(i.suppressed, false), i.coverage ASC NULLS FIRST, g.demand DESC
        """,
        (level, geography, year, study_level, *seen_params),
    )


def internship_by_major(access: Access, level: str, geography: str, year: int,
                        study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    seen, seen_params = access.places("i.geography_level", "i.geography")
    return query(
        f"""
        SELECT i.major_code, m.major_name, m.major_name_en, i.graduates, i.placements, i.coverage, i.relevance,
               i.relevance_unknown_share, i.conversion, i.retention, i.suppressed, i.coverage_undefined,
               i.relevance_undefined, i.conversion_undefined, i.retention_undefined
        FROM marts.internship_by_geography AS i
        LEFT JOIN dims.major AS m USING (major_code)
        WHERE i.geography_level = ? AND i.geography = ? AND i.year = ? AND i.level = ? AND {seen}
        ORDER BY i.suppressed, i.placements DESC NULLS LAST
        """,
        (level, geography, year, study_level, *seen_params),
    )


def internship_wordings(access: Access) -> pd.DataFrame | None:
    """Unrecognised 实习类型 / 组织方式 / 实习形式 wordings and how they were counted (None before this mart)."""
    if "marts.internship_wordings" not in tables():
        return None
    staff, staff_params = access.staff_only()
    return query("SELECT column_name, wording, counted_as, sum(placement_rows) AS placement_rows "
                 f"FROM marts.internship_wordings WHERE {staff} GROUP BY ALL ORDER BY column_name, placement_rows DESC",
                 staff_params)


# --- Pairings ---------------------------------------------------------------------------------------
#: a page lists at most this many suggestions (the most wanted first); the count above it says how many match
PAIRINGS_SHOWN = 500  # entries (an enterprise's wish for a major): the page lists them, most wanted first


def pairing_suggestions(access: Access, level: str, geography: str, year: int, study_level: str,
                        industry_code: str | None, major_code: str | None, enterprise_id: str | None = None,
                        university_code: str | None = None) -> pd.DataFrame:
    """Suggestions of the entries (enterprise × major) of enterprises in the geography at one study level, most
    wanted first, one row per suggested university, with how many entries match in all (`matching_entries`,
    `matching_enterprises`): at national scale a region-year has far more than a page shows. Picking a
    university keeps the entries it is suggested for (with all their suggestions). Of the suggestions, those
    the viewer sees: a university, those naming it; an enterprise, its own; a province, its enterprises'."""
    seen, seen_params = access.parties("s.enterprise_province", "s.university_code", "s.enterprise_id")
    return query(
        f"""
        WITH matching AS (
            SELECT s.*, e.industry_code,
                   dense_rank() OVER (ORDER BY s.wanted DESC, s.enterprise_id, s.major_code) AS entry
            FROM marts.pairing_suggestions AS s
            LEFT JOIN dims.enterprise AS e USING (enterprise_id)
            WHERE s.year = ? AND s.level = ?
              AND {_geo_clause('s.enterprise_province', 's.enterprise_city')}
              AND (? IS NULL OR e.industry_code = ?) AND (? IS NULL OR s.major_code = ?)
              AND (? IS NULL OR s.enterprise_id = ?)
              AND (? IS NULL OR (s.enterprise_id, s.major_code) IN (
                  SELECT (enterprise_id, major_code) FROM marts.pairing_suggestions
                  WHERE year = ? AND level = ? AND university_code = ?))
              AND {seen}
        ),
        totals AS (
            SELECT max(entry) AS matching_entries, count(DISTINCT enterprise_id) AS matching_enterprises
            FROM matching
        )
        SELECT s.enterprise_name, s.enterprise_id, s.industry_code, s.enterprise_city AS city_name, c.city_name_en,
               s.major_code, s.major_name, m.major_name_en, s.entry, s.wanted, s.demand,
               s.university_code, s.university_name, u.university_name_en, s.choice, s.interns,
               s.university_city, uc.city_name_en AS university_city_en, s.university_province,
               up.province_name_en AS university_province_en, s.pool, s.graduates, s.placements, s.suppressed,
               s.province_alignment, s.province_supply, s.province_demand, s.distance_km, s.other_province,
               s.has_base, s.spare_capacity, t.matching_entries, t.matching_enterprises
        FROM matching AS s
        CROSS JOIN totals AS t
        LEFT JOIN dims.city AS c ON c.city_name = s.enterprise_city
        LEFT JOIN dims.major AS m ON m.major_code = s.major_code
        LEFT JOIN dims.university AS u ON u.university_code = s.university_code
        LEFT JOIN dims.city AS uc ON uc.city_name = s.university_city
        LEFT JOIN dims.province AS up ON up.province_name = s.university_province
        WHERE s.entry <= ?
        ORDER BY s.entry, s.choice
        """,
        (year, study_level, *_geo_params(level, geography), industry_code, industry_code, major_code, major_code,
         enterprise_id, enterprise_id, university_code, year, study_level, university_code, *seen_params,
         PAIRINGS_SHOWN),
    )


def pairing_parties(access: Access, level: str, geography: str, year: int, study_level: str) -> pd.DataFrame:
    """The enterprises and the universities of the place's suggestions the viewer sees (what the page lets one
    pick), with their names: `kind` is 'enterprise' or 'university'."""
    seen, seen_params = access.parties("s.enterprise_province", "s.university_code", "s.enterprise_id")
    return query(
        f"""
        SELECT DISTINCT 'enterprise' AS kind, s.enterprise_id AS code, s.enterprise_name AS name,
               s.enterprise_name AS name_en
        FROM marts.pairing_suggestions AS s
        WHERE s.year = ? AND s.level = ? AND {_geo_clause('s.enterprise_province', 's.enterprise_city')} AND {seen}
        UNION ALL
        SELECT DISTINCT 'university', s.university_code, s.university_name, u.university_name_en
        FROM marts.pairing_suggestions AS s
        LEFT JOIN dims.university AS u USING (university_code)
        WHERE s.year = ? AND s.level = ? AND {_geo_clause('s.enterprise_province', 's.enterprise_city')} AND {seen}
        ORDER BY kind, name, code
        """,
        (year, study_level, *_geo_params(level, geography), *seen_params,
         year, study_level, *_geo_params(level, geography), *seen_params),
    )


def industries() -> pd.DataFrame:
    return query("SELECT industry_code, industry_name, industry_name_en, pillar FROM dims.industry "
                 "ORDER BY industry_code")


def majors() -> pd.DataFrame:
    return query("SELECT major_code, major_name, major_name_en FROM dims.major ORDER BY major_code")


# --- Submit: the enterprise survey form ----------------------------------------------------------------
def enterprise_record(access: Access, enterprise_id: str) -> pd.DataFrame:
    """The enterprise's own record as the warehouse holds it (dims.enterprise: name, industry, province and city
    of its latest survey row, or only the city of its bases), where the survey form starts from; no row for an
    enterprise the warehouse does not know, or for one the viewer may not read (another enterprise)."""
    own, own_params = access.enterprises()
    return query(
        f"""
        SELECT enterprise_name, industry_code, province_name, city_name, surveyed
        FROM dims.enterprise
        WHERE enterprise_id = ? AND enterprise_id IN {own}
        """,
        (enterprise_id, *own_params),
    )


def survey_answer(access: Access, enterprise_id: str, year: int) -> pd.DataFrame:
    """The positions of the enterprise's answer for one survey year that the warehouse holds: the rows of the
    one file the answer is taken from (staging.survey_positions: its own submission, or a data staff file),
    in that file's order. These are what the enterprise's next answer for the year replaces, so the form lists
    them; only the viewer's own enterprise's rows."""
    own, own_params = access.enterprises()
    return query(
        f"""
        SELECT position, major_codes, education, headcount, skills, hosts_interns, monthly_salary, source_file
        FROM staging.survey_positions
        WHERE enterprise_id = ? AND year = ? AND enterprise_id IN {own}
        ORDER BY source_file, source_row
        """,
        (enterprise_id, year, *own_params),
    )


# --- Data -------------------------------------------------------------------------------------------
def load_log(access: Access) -> pd.DataFrame:
    staff, staff_params = access.staff_only()
    return query(f"SELECT file, kind, rows_read, rows_loaded, rows_quarantined, {_rows_replaced()}, message, "
                 f"loaded_at FROM audit.load_log WHERE {staff} ORDER BY kind, file", staff_params)


def _rows_replaced() -> str:
    """audit.load_log's rows_replaced (rows of the file another file's row of the same key replaced); older
    publications lack it."""
    return "rows_replaced" if "rows_replaced" in _columns("audit.load_log") else "NULL::BIGINT AS rows_replaced"


def quarantine(access: Access, kind: str | None) -> pd.DataFrame:
    # the raw row is shown without the student pseudonym (of whichever kind carries one): a pseudonym is still
    # about one person
    staff, staff_params = access.staff_only()
    return query(
        f"""
        SELECT file, kind, row_number, column_name, reason,
               json_remove(raw_row::json, '$.student_key')::varchar AS raw_row
        FROM audit.quarantine
        WHERE (? IS NULL OR kind = ?) AND {staff}
        ORDER BY kind, file, row_number
        """,
        (kind, kind, *staff_params),
    )


def rejected_files(access: Access) -> pd.DataFrame:
    staff, staff_params = access.staff_only()
    return query(f"SELECT file, kind, reason, seen_at FROM audit.rejected_files WHERE {staff} ORDER BY kind, file",
                 staff_params)


def build_info(access: Access) -> pd.DataFrame | None:
    """audit.build (one row about the build) when this publication carries it."""
    if "audit.build" not in tables():
        return None
    staff, staff_params = access.staff_only()
    return query(f"SELECT * FROM audit.build WHERE {staff}", staff_params)


def checks(access: Access) -> pd.DataFrame | None:
    """audit.checks (asset checks' results) when this publication carries it."""
    if "audit.checks" not in tables():
        return None
    # `detail` came with the build's status helper; older publications may lack it
    detail = "detail" if "detail" in _columns("audit.checks") else "NULL AS detail"
    staff, staff_params = access.staff_only()
    return query(f"SELECT asset, check_name, passed, description, {detail} FROM audit.checks WHERE {staff} "
                 "ORDER BY asset, check_name", staff_params)


def submission_outcomes(files: tuple[str, ...]) -> pd.DataFrame:
    """What the published build made of the named submitted files (their paths in the landing folder, the
    submitter's own): loaded with its counts, or rejected with the reason, from audit.load_log and
    audit.rejected_files. A submitter reads only the rows of the files it names."""
    return query(
        f"""
        SELECT file, sha256, 'loaded' AS status, rows_read, rows_loaded, rows_quarantined, {_rows_replaced()},
               NULL AS reason
        FROM audit.load_log WHERE list_contains(?::VARCHAR[], file)
        UNION ALL
        SELECT file, sha256, 'rejected', NULL, NULL, NULL, NULL, reason
        FROM audit.rejected_files WHERE list_contains(?::VARCHAR[], file)
        """,
        (list(files), list(files)),
    )


def build_id() -> str | None:
    """The published build's id (what a submitter's status names), when this publication records it."""
    if "audit.build" not in tables():
        return None
    found = query("SELECT build_id FROM audit.build")
    return None if found.empty else str(found["build_id"].iloc[0])


def _columns(table: str) -> frozenset[str]:
    schema, name = table.split(".")
    frame = query("SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
                  (schema, name))
    return frozenset(frame["column_name"])
