"""Every query the dashboard runs: parameterised SQL over the published warehouse's marts, audit and dims.

The published warehouse is one DuckDB file that a build replaces atomically (rename) while the dashboard
runs. Queries share one read-only connection per publication (opening a national warehouse costs more than
most queries), and cached results are keyed by the file's identity
(warehouse.publication.identity: device, inode, mtime): a new publication gets a new connection and is read
on the next query, without a restart. Widget values only ever reach SQL as
bound parameters; the only names formatted into SQL are the fixed column names below.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd
import streamlit as st

from dashboard import settings
from warehouse import connection
from warehouse import settings as warehouse_settings
from warehouse.publication import identity

T = TypeVar("T")

#: tables the pages need; a file without them is not a usable warehouse (empty or half-built)
REQUIRED_TABLES = ("marts.headline", "marts.major_gap", "marts.industry_gap", "marts.internship_coverage")


@dataclass(frozen=True)
class Publication:
    """Which published file a result came from: a new publication has a new identity."""

    path: str
    identity: tuple[int, int, int]  # (device, inode, mtime_ns)

    @property
    def mtime_ns(self) -> int:
        return self.identity[2]


class PublicationChanged(Exception):
    """The file was replaced while it was read; the caller reads again."""


class WarehouseUnavailable(Exception):
    """No usable warehouse at the configured path (missing, empty, not yet built, unreadable)."""


def warehouse_path() -> Path:
    return warehouse_settings.warehouse_path()


def publication() -> Publication | None:
    path = warehouse_path()
    found = identity(path)
    return None if found is None else Publication(str(path), found)


_kept_open_lock = threading.Lock()
_kept_open: tuple[Publication, duckdb.DuckDBPyConnection] | None = None


@contextmanager
def _cursor(pub: Publication) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the connection kept open to `pub`. A new publication replaces that connection on the next
    query; the old one is dropped, not closed, so queries still running on it finish, and DuckDB closes it
    (letting the old file go) when its last cursor closes. Until a query comes, an idle dashboard keeps the
    replaced file open: its disk space is freed on the first query after a publication."""
    global _kept_open
    with _kept_open_lock:
        if _kept_open is None or _kept_open[0] != pub:
            opened = connection.kept_open_reader(Path(pub.path))
            if publication() != pub:  # replaced between stat and open: the file opened is not `pub`
                opened.close()
                raise PublicationChanged
            _kept_open = (pub, opened)
        kept = _kept_open[1]
        cursor = kept.cursor()
    try:
        cursor.execute(f"USE {connection.KEPT_OPEN_NAME}")
        yield cursor
    except (duckdb.FatalException, duckdb.InternalException):
        # DuckDB refuses every later query of a database after such an error: the next query opens afresh
        with _kept_open_lock:
            if _kept_open is not None and _kept_open[1] is kept:
                _kept_open = None
        raise
    finally:
        cursor.close()


@st.cache_data(show_spinner=False, max_entries=512)
def _fetch(pub: Publication, sql: str, params: tuple) -> pd.DataFrame:
    with _cursor(pub) as con:
        frame = con.execute(sql, list(params)).df()
    if publication() != pub:  # replaced while it was read: read the new publication instead
        raise PublicationChanged
    return frame


def _read_current(read: Callable[[Publication], T]) -> T:
    """`read(pub)` of the current publication, or of the next one when it was replaced meanwhile;
    WarehouseUnavailable when there is none or DuckDB cannot read it."""
    for _ in range(3):
        pub = publication()
        if pub is None:
            raise WarehouseUnavailable(str(warehouse_path()))
        try:
            return read(pub)
        except PublicationChanged:
            continue
        except duckdb.Error as error:
            raise WarehouseUnavailable(str(error)) from error
    raise WarehouseUnavailable("the warehouse kept changing while it was read")


def query(sql: str, params: tuple = ()) -> pd.DataFrame:
    """Run one SELECT against the current publication (cached per publication and parameters)."""
    return _read_current(lambda pub: _fetch(pub, sql, tuple(params)))


@st.cache_data(show_spinner=False, max_entries=16)
def _tables(pub: Publication) -> frozenset[str]:
    with _cursor(pub) as con:
        rows = con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables() "
                           f"WHERE database_name = '{connection.KEPT_OPEN_NAME}'").fetchall()
    return frozenset(r[0] for r in rows)


def tables() -> frozenset[str]:
    try:
        return _read_current(_tables)
    except WarehouseUnavailable:
        return frozenset()


def is_ready() -> bool:
    """True when the published file exists and holds the marts the pages read."""
    return set(REQUIRED_TABLES) <= tables()


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


def provinces() -> pd.DataFrame:
    return query("SELECT province_name, province_name_en FROM dims.province ORDER BY province_code")


def cities() -> pd.DataFrame:
    """Cities with coordinates, for the filters and the map-like chart."""
    return query(
        "SELECT city_name, city_name_en, province_name, latitude, longitude FROM dims.city ORDER BY city_code"
    )


def universities(level: str, geography: str) -> pd.DataFrame:
    return query(
        """
        SELECT university_code, university_name, university_name_en, province_name, city_name
        FROM dims.university
        WHERE university_code IN (SELECT DISTINCT university_code FROM marts.internship_coverage)
          AND (? = 'region' OR (? = 'province' AND province_name = ?) OR (? = 'city' AND city_name = ?))
        ORDER BY university_code
        """,
        (level, level, geography, level, geography),
    )


def _geo_clause(column_province: str, column_city: str) -> str:
    return (f"(? = 'region' OR (? = 'province' AND {column_province} = ?) "
            f"OR (? = 'city' AND {column_city} = ?))")


def _geo_params(level: str, geography: str) -> tuple:
    return (level, level, geography, level, geography)


# --- Overview ---------------------------------------------------------------------------------------
def headline(level: str, geography: str, study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    """Headline figures of one geography and study level (专科 / 本科 / 研究生), every year (the page picks this
    year and last year)."""
    return query(
        "SELECT * FROM marts.headline WHERE geography_level = ? AND geography = ? AND level = ? ORDER BY year",
        (level, geography, study_level),
    )


_MAJOR_NAMES = """
    LEFT JOIN dims.major AS m USING (major_code)
"""


def major_gap(level: str, geography: str, year: int, study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    """Every major's supply, demand, alignment and status in one geography, study level and year, with its card
    and the three statuses behind it (a city: its province's)."""
    return query(
        f"""
        SELECT g.major_code, g.major_name, m.major_name_en, g.supply, g.demand, g.gap, g.supply_share,
               g.demand_share, g.alignment, g.status, g.status_reason, g.is_projection, g.market,
               c.card, c.survey_years, c.statuses
        FROM marts.major_gap AS g {_MAJOR_NAMES}
        LEFT JOIN marts.major_cards AS c
            ON c.geography_level = g.geography_level AND c.geography = g.geography AND c.year = g.year
            AND c.level = g.level AND c.major_code = g.major_code
        WHERE g.geography_level = ? AND g.geography = ? AND g.year = ? AND g.level = ?
        ORDER BY g.alignment DESC NULLS FIRST, g.demand DESC
        """,
        (level, geography, year, study_level),
    )


def top_majors(level: str, geography: str, year: int, status: str, limit: int = 10,
               study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    """The majors furthest into shortage (highest alignment, unserved first) or surplus (lowest alignment,
    no demand first) in one geography and year."""
    order = "DESC" if status == "shortage" else "ASC"  # a fixed keyword, never widget input
    return query(
        f"""
        SELECT g.major_code, g.major_name, m.major_name_en, g.supply, g.demand, g.alignment, g.status
        FROM marts.major_gap AS g {_MAJOR_NAMES}
        WHERE g.geography_level = ? AND g.geography = ? AND g.year = ? AND g.status = ? AND g.level = ?
        ORDER BY g.alignment {order} NULLS FIRST, g.demand DESC, g.supply DESC
        LIMIT ?
        """,
        (level, geography, year, status, study_level, limit),
    )


def major_trend(level: str, geography: str, major_code: str, study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    return query(
        """
        SELECT year, supply, demand, gap, alignment, status, status_reason, is_projection
        FROM marts.major_gap
        WHERE geography_level = ? AND geography = ? AND major_code = ? AND level = ?
        ORDER BY year
        """,
        (level, geography, major_code, study_level),
    )


def city_gap_for_major(year: int, major_code: str, study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    """One major's gap in every city, with the city's coordinates (a city without the major: no status)."""
    return query(
        """
        SELECT c.city_name, c.city_name_en, c.province_name, c.latitude, c.longitude,
               g.supply, g.demand, g.gap, g.alignment, g.status
        FROM dims.city AS c
        LEFT JOIN marts.major_gap AS g
            ON g.geography_level = 'city' AND g.geography = c.city_name AND g.year = ? AND g.major_code = ?
            AND g.level = ?
        ORDER BY c.city_code
        """,
        (year, major_code, study_level),
    )


def status_counts_by_place(level: str, geography: str, year: int, study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    """How many majors are in shortage / balanced / surplus in each place one level below the geography:
    the provinces of the region, the cities of a province (a city: itself), with the province's statuses
    on a city's majors and its imports apart."""
    return query(
        """
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
        ORDER BY h.geography
        """,
        (year, study_level, level, level, geography, level, geography),
    )


def pillar_gap(level: str, geography: str, year: int, study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    return query(
        """
        SELECT pillar, pillar_name, supply, demand, gap, supply_share, demand_share, alignment, status,
               status_reason, is_projection
        FROM marts.pillar_gap
        WHERE geography_level = ? AND geography = ? AND year = ? AND level = ?
        ORDER BY alignment DESC NULLS FIRST
        """,
        (level, geography, year, study_level),
    )


# --- Majors -----------------------------------------------------------------------------------------
def industries_demanding_major(level: str, geography: str, year: int, major_code: str,
                               study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    return query(
        """
        SELECT l.industry_code, i.industry_name, i.industry_name_en, l.demand, l.supply
        FROM marts.major_industry_links AS l
        LEFT JOIN dims.industry AS i USING (industry_code)
        WHERE l.geography_level = ? AND l.geography = ? AND l.year = ? AND l.major_code = ? AND l.level = ?
          AND l.demand > 0
        ORDER BY l.demand DESC
        """,
        (level, geography, year, major_code, study_level),
    )


def university_majors(university_code: str, year: int, study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    """A university's majors with its graduates and the status of each major in the university's city and
    province (the labour markets its graduates enter), plus its internship coverage."""
    return query(
        """
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
        ORDER BY cg.alignment DESC NULLS LAST
        """,
        (study_level, university_code, year, study_level),
    )


# --- Industries -------------------------------------------------------------------------------------
def industry_gap(level: str, geography: str, year: int, study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    return query(
        """
        SELECT g.industry_code, g.industry_name, i.industry_name_en, g.pillar, g.supply, g.demand, g.gap,
               g.supply_share, g.demand_share, g.alignment, g.status, g.status_reason, g.is_projection
        FROM marts.industry_gap AS g
        LEFT JOIN dims.industry AS i USING (industry_code)
        WHERE g.geography_level = ? AND g.geography = ? AND g.year = ? AND g.level = ?
        ORDER BY g.demand DESC
        """,
        (level, geography, year, study_level),
    )


def industry_trend(level: str, geography: str, industry_code: str, study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    return query(
        """
        SELECT year, supply, demand, gap, alignment, status
        FROM marts.industry_gap
        WHERE geography_level = ? AND geography = ? AND industry_code = ? AND level = ?
        ORDER BY year
        """,
        (level, geography, industry_code, study_level),
    )


def majors_feeding_industry(level: str, geography: str, year: int, industry_code: str,
                            study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    return query(
        """
        SELECT l.major_code, m.major_name, m.major_name_en, l.supply, l.demand
        FROM marts.major_industry_links AS l
        LEFT JOIN dims.major AS m USING (major_code)
        WHERE l.geography_level = ? AND l.geography = ? AND l.year = ? AND l.industry_code = ? AND l.level = ?
          AND (l.supply > 0 OR l.demand > 0)
        ORDER BY l.supply DESC
        """,
        (level, geography, year, industry_code, study_level),
    )


# --- Internships ------------------------------------------------------------------------------------
# Every internship figure, its suppression and the reason a ratio is undefined come from the marts
# (warehouse/models/macros.sql, docs/metrics.md "Internships"): these queries only select.
def enterprises(level: str, geography: str) -> pd.DataFrame:
    """Every enterprise of the geography that a survey or the base register names, with or without a base, so
    that any enterprise can find itself."""
    return query(
        f"""
        SELECT e.enterprise_id, coalesce(e.enterprise_name, e.enterprise_id) AS enterprise_name,
               e.surveyed, e.enterprise_id IN (SELECT enterprise_id FROM dims.base) AS has_base
        FROM dims.enterprise AS e
        WHERE {_geo_clause('e.province_name', 'e.city_name')}
        ORDER BY enterprise_name, e.enterprise_id
        """,
        _geo_params(level, geography),
    )


def bases(year: int, *, enterprise_id: str | None = None, university_code: str | None = None) -> pd.DataFrame:
    """Bases of one enterprise or one university: capacity, placements and utilisation in the year."""
    return query(
        """
        SELECT b.base_id, b.base_name, b.enterprise_name, b.university_code, u.university_name,
               u.university_name_en, b.city_name, c.city_name_en, b.industry_code, b.capacity,
               b.placements, b.utilisation, b.suppressed
        FROM marts.base_utilisation AS b
        LEFT JOIN dims.university AS u USING (university_code)
        LEFT JOIN dims.city AS c ON c.city_name = b.city_name
        WHERE b.year = ? AND (b.enterprise_id = ? OR b.university_code = ?)
        ORDER BY b.suppressed, b.utilisation DESC NULLS LAST
        """,
        (year, enterprise_id, university_code),
    )


#: the filter value that keeps every internship type (production and graduation), organisation or mode
ALL = "all"


def placements_by_major(year: int, *, enterprise_id: str | None = None, university_code: str | None = None,
                        internship_type: str = ALL, organisation: str = ALL, mode: str = ALL,
                        study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    """Placements per student major of one study level (the major's) at one enterprise's bases or of one
    university's students, with relevance (and its unknown share) and conversion, for the chosen internship
    type, organisation and mode."""
    kind, selector = ("enterprise", enterprise_id) if enterprise_id else ("university", university_code)
    return query(
        """
        SELECT p.major_code, m.major_name, m.major_name_en, p.students, p.placement_rows, p.relevance,
               p.relevance_unknown_share, p.conversion, p.suppressed, p.relevance_undefined,
               p.conversion_undefined
        FROM marts.placements_by_major AS p
        LEFT JOIN dims.major AS m USING (major_code)
        WHERE p.selector_kind = ? AND p.selector = ? AND p.year = ? AND p.internship_type = ?
          AND p.organisation = ? AND p.mode = ? AND m.level = ?
        ORDER BY p.suppressed, p.placement_rows DESC NULLS LAST, p.major_code
        """,
        (kind, selector, year, internship_type, organisation, mode, study_level),
    )


def university_coverage(university_code: str, year: int,
                        study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    return query(
        """
        SELECT ic.major_code, ic.major_name, m.major_name_en, ic.graduates, ic.placements, ic.coverage,
               ic.relevance, ic.relevance_unknown_share, ic.conversion, ic.retention, ic.suppressed,
               ic.coverage_undefined, ic.relevance_undefined, ic.conversion_undefined, ic.retention_undefined
        FROM marts.internship_coverage AS ic
        LEFT JOIN dims.major AS m USING (major_code)
        WHERE ic.university_code = ? AND ic.year = ? AND ic.level = ?
        ORDER BY ic.suppressed, ic.coverage ASC NULLS LAST
        """,
        (university_code, year, study_level),
    )


def shortage_low_coverage(level: str, geography: str, year: int, study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    """Majors in shortage in the geography, least covered by internships first."""
    return query(
        """
        SELECT g.major_code, g.major_name, m.major_name_en, g.demand, g.supply, g.alignment, g.status,
               i.graduates, i.placements, i.coverage, coalesce(i.suppressed, false) AS suppressed,
               coalesce(i.coverage_undefined, 'no_graduates') AS coverage_undefined
        FROM marts.major_gap AS g
        LEFT JOIN dims.major AS m USING (major_code)
        LEFT JOIN marts.internship_by_geography AS i
            ON i.geography_level = g.geography_level AND i.geography = g.geography AND i.year = g.year
            AND i.level = g.level AND i.major_code = g.major_code
        WHERE g.geography_level = ? AND g.geography = ? AND g.year = ? AND g.status = 'shortage' AND g.level = ?
        ORDER BY coalesce(i.suppressed, false), i.coverage ASC NULLS FIRST, g.demand DESC
        """,
        (level, geography, year, study_level),
    )


def internship_by_major(level: str, geography: str, year: int,
                        study_level: str = settings.DEFAULT_STUDY_LEVEL) -> pd.DataFrame:
    return query(
        """
        SELECT i.major_code, m.major_name, m.major_name_en, i.graduates, i.placements, i.coverage, i.relevance,
               i.relevance_unknown_share, i.conversion, i.retention, i.suppressed, i.coverage_undefined,
               i.relevance_undefined, i.conversion_undefined, i.retention_undefined
        FROM marts.internship_by_geography AS i
        LEFT JOIN dims.major AS m USING (major_code)
        WHERE i.geography_level = ? AND i.geography = ? AND i.year = ? AND i.level = ?
        ORDER BY i.suppressed, i.placements DESC NULLS LAST
        """,
        (level, geography, year, study_level),
    )


def internship_wordings() -> pd.DataFrame | None:
    """Unrecognised 实习类型 / 组织方式 / 实习形式 wordings and how they were counted (None before this mart)."""
    if "marts.internship_wordings" not in tables():
        return None
    return query("SELECT column_name, wording, counted_as, sum(placement_rows) AS placement_rows "
                 "FROM marts.internship_wordings GROUP BY ALL ORDER BY column_name, placement_rows DESC")


# --- Pairings ---------------------------------------------------------------------------------------
#: a page lists at most this many suggestions (the most wanted first); the count above it says how many match
PAIRINGS_SHOWN = 500  # entries (an enterprise's wish for a major): the page lists them, most wanted first


def pairing_suggestions(level: str, geography: str, year: int, study_level: str, industry_code: str | None,
                        major_code: str | None, enterprise_id: str | None = None,
                        university_code: str | None = None) -> pd.DataFrame:
    """Suggestions of the entries (enterprise × major) of enterprises in the geography at one study level, most
    wanted first, one row per suggested university, with how many entries match in all (`matching_entries`,
    `matching_enterprises`): at national scale a region-year has far more than a page shows. Picking a
    university keeps the entries it is suggested for (with all their suggestions)."""
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
        ),
        totals AS (
            SELECT max(entry) AS matching_entries, count(DISTINCT enterprise_id) AS matching_enterprises
            FROM matching
        )
        SELECT s.enterprise_name, s.enterprise_id, s.industry_code, s.enterprise_city AS city_name, c.city_name_en,
               s.major_code, s.major_name, m.major_name_en, s.entry, s.wanted, s.demand,
               s.university_code, s.university_name, u.university_name_en, s.choice, s.interns,
               s.university_city, uc.city_name_en AS university_city_en, s.university_province,
               up.province_name_en AS university_province_en, s.pool, s.graduates, s.placements,
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
         enterprise_id, enterprise_id, university_code, year, study_level, university_code, PAIRINGS_SHOWN),
    )


def pairing_parties(level: str, geography: str, year: int, study_level: str) -> pd.DataFrame:
    """The enterprises and the universities of the place's suggestions (what the page lets one pick), with
    their names: `kind` is 'enterprise' or 'university'."""
    return query(
        f"""
        SELECT DISTINCT 'enterprise' AS kind, s.enterprise_id AS code, s.enterprise_name AS name,
               s.enterprise_name AS name_en
        FROM marts.pairing_suggestions AS s
        WHERE s.year = ? AND s.level = ? AND {_geo_clause('s.enterprise_province', 's.enterprise_city')}
        UNION ALL
        SELECT DISTINCT 'university', s.university_code, s.university_name, u.university_name_en
        FROM marts.pairing_suggestions AS s
        LEFT JOIN dims.university AS u USING (university_code)
        WHERE s.year = ? AND s.level = ? AND {_geo_clause('s.enterprise_province', 's.enterprise_city')}
        ORDER BY kind, name, code
        """,
        (year, study_level, *_geo_params(level, geography), year, study_level, *_geo_params(level, geography)),
    )


def industries() -> pd.DataFrame:
    return query("SELECT industry_code, industry_name, industry_name_en, pillar FROM dims.industry "
                 "ORDER BY industry_code")


def majors() -> pd.DataFrame:
    return query("SELECT major_code, major_name, major_name_en FROM dims.major ORDER BY major_code")


# --- Data -------------------------------------------------------------------------------------------
def load_log() -> pd.DataFrame:
    return query("SELECT file, kind, rows_read, rows_loaded, rows_quarantined, message, loaded_at "
                 "FROM audit.load_log ORDER BY kind, file")


def quarantine(kind: str | None) -> pd.DataFrame:
    # the raw row is shown without the student pseudonym (of whichever kind carries one): a pseudonym is still
    # about one person
    return query(
        """
        SELECT file, kind, row_number, column_name, reason,
               json_remove(raw_row::json, '$.student_key')::varchar AS raw_row
        FROM audit.quarantine
        WHERE ? IS NULL OR kind = ?
        ORDER BY kind, file, row_number
        """,
        (kind, kind),
    )


def rejected_files() -> pd.DataFrame:
    return query("SELECT file, kind, reason, seen_at FROM audit.rejected_files ORDER BY kind, file")


def build_info() -> pd.DataFrame | None:
    """audit.build (one row about the build) when this publication carries it."""
    if "audit.build" not in tables():
        return None
    return query("SELECT * FROM audit.build")


def checks() -> pd.DataFrame | None:
    """audit.checks (asset checks' results) when this publication carries it."""
    if "audit.checks" not in tables():
        return None
    # `detail` came with the build's status helper; older publications may lack it
    detail = "detail" if "detail" in _columns("audit.checks") else "NULL AS detail"
    return query(f"SELECT asset, check_name, passed, description, {detail} FROM audit.checks "
                 "ORDER BY asset, check_name")


def _columns(table: str) -> frozenset[str]:
    schema, name = table.split(".")
    frame = query("SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
                  (schema, name))
    return frozenset(frame["column_name"])
