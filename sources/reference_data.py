"""Reference data: loading the bundled lists (sources/reference/*.csv) into `reference.*` tables, and the
look-up maps the readers use to resolve what staff write (短名 and English place names, major names,
division numbers) to official codes and names.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from sources import settings
from sources.catalog import column_types
from sources.folding import register_nfkc
from sources.landing_folder import reference_supplement

#: table → its columns (and their types), as documented in docs/data-contracts.md
REFERENCE_TABLES: dict[str, dict[str, str]] = {
    "provinces": {"province_code": "VARCHAR", "province_name": "VARCHAR", "province_name_en": "VARCHAR"},
    "cities": {
        "city_code": "VARCHAR", "city_name": "VARCHAR", "city_name_en": "VARCHAR", "province_code": "VARCHAR",
        "province_name": "VARCHAR", "latitude": "DOUBLE", "longitude": "DOUBLE",
    },
    "universities": {
        "university_code": "VARCHAR", "university_name": "VARCHAR", "university_name_en": "VARCHAR",
        "province_name": "VARCHAR", "city_name": "VARCHAR", "level": "VARCHAR",
    },
    "majors": {
        "major_code": "VARCHAR", "major_name": "VARCHAR", "major_name_en": "VARCHAR", "discipline_code": "VARCHAR",
        "discipline_name": "VARCHAR", "class_code": "VARCHAR", "class_name": "VARCHAR", "level": "VARCHAR",
    },
    "industries": {
        "industry_code": "VARCHAR", "section_code": "VARCHAR", "section_name": "VARCHAR", "industry_name": "VARCHAR",
        "industry_name_en": "VARCHAR", "pillar": "VARCHAR", "pillar_name": "VARCHAR",
    },
    "major_industry_crosswalk": {
        "major_code": "VARCHAR", "industry_code": "VARCHAR", "weight": "DECIMAL(9,6)", "version": "VARCHAR",
    },
    "skills": {
        "skill_id": "VARCHAR", "skill_name": "VARCHAR", "skill_name_en": "VARCHAR", "aliases": "VARCHAR",
        "course_aliases": "VARCHAR", "category": "VARCHAR", "category_en": "VARCHAR", "version": "VARCHAR",
    },
}

#: lists only the SQL models read, never the loaders' rules: they are left out of the loaders' fingerprint, so
#: an edited skills vocabulary rebuilds the skill models that read it (warehouse/state.py) and reloads no file
MODEL_ONLY_TABLES: frozenset[str] = frozenset({"skills"})


#: table → columns a file may leave out; they load as NULL. The landing-folder university supplement predates the
#: institution's level (本科 / 专科), and a supplement written before it must still load.
OPTIONAL_COLUMNS: dict[str, frozenset[str]] = {"universities": frozenset({"level"})}

#: (table, column) → the values a cell may hold (or be empty): an institution is a university (本科) or a
#: higher-vocational college (专科), as MoE's list of institutions (办学层次) gives it.
ALLOWED_VALUES: dict[tuple[str, str], tuple[str, ...]] = {("universities", "level"): ("本科", "专科")}


class ReferenceError(Exception):
    """A reference file is missing columns or cannot be read."""


def _read_reference_csv(con: duckdb.DuckDBPyConnection, table: str, path: Path, extra: str = "") -> str:
    """SQL selecting the documented columns of a reference CSV, typed; raises ReferenceError if columns lack."""
    columns = REFERENCE_TABLES[table]
    optional = OPTIONAL_COLUMNS.get(table, frozenset())
    found = {d[0] for d in con.execute("DESCRIBE SELECT * FROM read_csv(?, all_varchar=true)", [str(path)]).fetchall()}
    missing = [c for c in columns if c not in found and c not in optional]
    if missing:
        raise ReferenceError(f"{path}: missing column(s) {', '.join(missing)} (see docs/data-contracts.md)")
    for (listed, column), allowed in ALLOWED_VALUES.items():
        if listed == table and column in found:
            _check_values(con, path, column, allowed)
    # cells folded as source cells are (a full-width digit is a digit), so the lists match the sources' values and
    # the personal-data scan sees a number written in full-width digits for what it is
    select = ", ".join(
        f"CAST(nullif(trim(nfkc(\"{c}\")), '') AS {t}) AS {c}" if c in found else f"CAST(NULL AS {t}) AS {c}"
        for c, t in columns.items()
    )
    return f"SELECT {select}{extra} FROM read_csv('{path.as_posix()}', all_varchar=true)"


def _check_values(con: duckdb.DuckDBPyConnection, path: Path, column: str, allowed: tuple[str, ...]) -> None:
    """Raise ReferenceError naming the file, row (header = row 1) and column of the first cell outside `allowed`."""
    bad = con.execute(
        f"SELECT row, value FROM (SELECT row_number() OVER () + 1 AS row, nullif(trim(nfkc(\"{column}\")), '') AS value "
        "FROM read_csv(?, all_varchar=true)) WHERE value IS NOT NULL AND value NOT IN (SELECT unnest(?)) "
        "ORDER BY row LIMIT 1", [str(path), list(allowed)]).fetchone()
    if bad is not None:
        raise ReferenceError(f"{path}: row {bad[0]}, column {column}: {bad[1]!r} is not one of {', '.join(allowed)}")


def load_reference_table(con: duckdb.DuckDBPyConnection, table: str, landing: Path | None = None) -> int:
    """(Re)create `reference.<table>` from the bundled CSV; returns its row count.

    The university register may be extended by `<landing>/reference/universities.csv` (institutions not in
    the bundled list); a bundled entry wins over a landing entry with the same code.
    """
    con.execute("CREATE SCHEMA IF NOT EXISTS reference")
    register_nfkc(con)
    bundled = settings.reference_dir() / f"{table}.csv"
    query = _read_reference_csv(con, table, bundled, ", 'bundled' AS listed_in" if table == "universities" else "")
    if table == "universities" and landing is not None:
        # (raises LandingFolderUnreadable for a link or a pipe there, which is never read: sources/landing_folder.py)
        supplement = reference_supplement(landing)
        if supplement is not None:
            query = (
                f"SELECT * FROM ({query}) UNION ALL SELECT * FROM ("
                f"{_read_reference_csv(con, table, supplement, ', ' + repr('landing') + ' AS listed_in')}) s "
                f"WHERE s.university_code NOT IN (SELECT university_code FROM ({query}))"
            )
    # A build starts as a copy of the publication, which holds these lists as the last build loaded them: a
    # list that reads the same is left as it is, so the build writes nothing for it (a replaced table costs
    # its rewrite at the next checkpoint, in every build).
    con.execute(f"CREATE OR REPLACE TEMP TABLE _reference_list AS {query}")
    if not _same_rows(con, "_reference_list", f"reference.{table}"):
        con.execute(f"CREATE OR REPLACE TABLE reference.{table} AS SELECT * FROM _reference_list ORDER BY ALL")
    con.execute("DROP TABLE _reference_list")
    return con.execute(f"SELECT count(*) FROM reference.{table}").fetchone()[0]


def _same_rows(con: duckdb.DuckDBPyConnection, new: str, table: str) -> bool:
    """Whether `table` exists with the columns, types and rows (as a multiset, by 64-bit row hashes) of temp
    table `new`."""
    old_columns = column_types(con, table)
    if not old_columns or list(old_columns.items()) != list((column_types(con, new) or {}).items()):
        return False
    fingerprint = "SELECT count(*), sum(hash(t)::HUGEINT) FROM {} AS t"
    return con.execute(fingerprint.format(new)).fetchone() == con.execute(fingerprint.format(table)).fetchone()


#: each spelling of a province that a source file may give (lower case) and the province it names: its name,
#: without 省, its English name, "<English> province"; a spelling two provinces share names neither. `portal
#: report --scope province=…` accepts the same (dashboard/report.py)
PROVINCE_ALIASES_SQL = """
    SELECT alias, any_value(province_name) AS province_name FROM (
        SELECT lower(province_name) AS alias, province_name FROM reference.provinces
        UNION ALL SELECT lower(regexp_replace(province_name, '省$', '')), province_name FROM reference.provinces
        UNION ALL SELECT lower(province_name_en), province_name FROM reference.provinces
        UNION ALL SELECT lower(province_name_en) || ' province', province_name FROM reference.provinces
    ) GROUP BY alias HAVING count(DISTINCT province_name) = 1"""

LOOKUPS_SQL = f"""
CREATE OR REPLACE TEMP TABLE _lookups AS
WITH province_alias AS ({PROVINCE_ALIASES_SQL}
), city_alias AS (
    SELECT alias, any_value(city_name) AS city_name FROM (
        SELECT lower(city_name) AS alias, city_name FROM reference.cities
        UNION ALL SELECT lower(regexp_replace(city_name, '市$', '')), city_name FROM reference.cities
        UNION ALL SELECT lower(city_name_en), city_name FROM reference.cities
        UNION ALL SELECT lower(city_name_en) || ' city', city_name FROM reference.cities
    ) GROUP BY alias HAVING count(DISTINCT city_name) = 1
), major_alias AS (
    SELECT alias, any_value(major_code) AS major_code FROM (
        SELECT lower(major_code) AS alias, major_code FROM reference.majors
        UNION ALL SELECT lower(major_name), major_code FROM reference.majors
        UNION ALL SELECT lower(major_name_en), major_code FROM reference.majors
    ) WHERE alias IS NOT NULL GROUP BY alias HAVING count(DISTINCT major_code) = 1
), industry_alias AS (
    -- GB/T 4754 division numbers are unique across sections: "36" completes to "C36"
    SELECT industry_code AS alias, industry_code FROM reference.industries
    UNION ALL SELECT substr(industry_code, 2), industry_code FROM reference.industries
)
SELECT
    (SELECT map_from_entries(list((alias, province_name))) FROM province_alias) AS province_alias,
    (SELECT map_from_entries(list((alias, city_name))) FROM city_alias) AS city_alias,
    (SELECT map_from_entries(list((alias, major_code))) FROM major_alias) AS major_alias,
    (SELECT map_from_entries(list((alias, industry_code))) FROM industry_alias) AS industry_alias
"""


def prepare_lookups(con: duckdb.DuckDBPyConnection) -> None:
    """Create the `_lookups` temp table (one row of maps) that the source SQL joins as `lk`. A table, made once
    after the reference tables are loaded, not a view: a view would build the maps again in every query.

    The maps resolve aliases only. Whether a value is a known code is checked against the reference table itself
    (schema._not_in): a map is searched key by key, so a look-up costs as many comparisons as it has keys,
    which at national scale (thousands of universities) is far more than a hash join's one probe."""
    con.execute(LOOKUPS_SQL)
