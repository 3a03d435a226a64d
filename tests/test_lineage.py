"""A model's inputs, and its SQL made to read a delta's views in their place, come from DuckDB's parser: a table
name in a comment or a string, or a CTE named like a table, is no input and is left as written."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from warehouse.lineage import replace_tables, table_refs
from warehouse.models import Model

TRICKY = """-- reads marts.headline? no: this comment only names it
WITH staging_bases AS (SELECT * FROM raw.bases WHERE note <> 'see raw.placements'),
     "dims.city" AS (SELECT 1 AS one)
SELECT b.base_id, '中文 raw.survey' AS label, p.year
FROM staging_bases AS b
JOIN "facts"."placements" p USING (base_id)
JOIN (SELECT * FROM dims.base /* not marts.base_utilisation */) AS d USING (base_id)
CROSS JOIN "dims.city"
CROSS JOIN range(3) AS r(i)
WHERE p.year IN (SELECT year FROM reference.years)
  AND EXISTS (SELECT 1 FROM raw.placements__files AS f WHERE f.source_file = p.source_file)
"""


def model_of(tmp_path: Path, sql: str) -> Model:
    path = tmp_path / "marts" / "example.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sql, encoding="utf-8")
    return Model("marts", "example", path)


def test_inputs_are_the_tables_read_not_names_in_comments_strings_or_ctes(tmp_path):
    assert model_of(tmp_path, TRICKY).upstream == (
        "dims.base", "facts.placements", "raw.bases", "raw.placements", "reference.years")


def test_a_recursive_ctes_rows_so_far_are_no_input(tmp_path):
    sql = """WITH RECURSIVE steps(n, total) USING KEY (n) AS (
                 SELECT 0, 0 UNION SELECT n + 1, (SELECT sum(total) FROM recurring.steps) FROM steps WHERE n < 3)
             SELECT * FROM steps JOIN dims.base ON true"""
    assert model_of(tmp_path, sql).upstream == ("dims.base",)


def test_table_refs_are_where_the_names_are_written():
    written = [TRICKY.encode()[ref.start:ref.end].decode().strip() for ref in table_refs(TRICKY)]
    assert written == ["raw.bases", '"facts"."placements"', "dims.base", "reference.years",
                       "raw.placements__files"]


def test_a_model_reading_a_table_without_a_schema_is_refused(tmp_path):
    model = model_of(tmp_path, "WITH a AS (SELECT 1) SELECT * FROM a, placements")
    with pytest.raises(ValueError, match=r"example\.sql: reads 'placements'"):
        _ = model.upstream


def test_sql_that_is_not_one_select_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"example\.sql: DuckDB cannot read this SQL"):
        _ = model_of(tmp_path, "SELECT FROM WHERE").upstream


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("""
        CREATE SCHEMA raw; CREATE SCHEMA facts; CREATE SCHEMA dims; CREATE SCHEMA reference;
        CREATE TABLE raw.bases AS SELECT * FROM (VALUES (1, 'x'), (2, 'y'), (3, 'z')) AS t(base_id, note);
        CREATE TABLE facts.placements AS
            SELECT * FROM (VALUES (1, 2024, 'a.xlsx'), (2, 2025, 'a.xlsx'), (3, 2025, 'b.xlsx')) AS t(base_id, year, source_file);
        CREATE TABLE dims.base AS SELECT range + 1 AS base_id FROM range(3);
        CREATE TABLE reference.years AS SELECT * FROM (VALUES (2024), (2025)) AS t(year);
        CREATE TABLE raw.placements__files AS SELECT * FROM (VALUES ('a.xlsx'), ('b.xlsx')) AS t(source_file);
        CREATE TEMP VIEW delta_placements AS SELECT * FROM facts.placements WHERE year = 2025;
    """)
    return con


def test_replaced_tables_are_read_and_the_rest_of_the_text_is_kept(con):
    whole = con.execute(TRICKY + " ORDER BY ALL").fetchall()
    delta = con.execute(replace_tables(TRICKY, {"facts.placements": "delta_placements"}) + " ORDER BY ALL").fetchall()
    # the names in comments and strings, and the CTE, are as they were; the placements are the view's
    assert delta == [row for row in whole if row[2] == 2025]
    assert {row[1] for row in delta} == {"中文 raw.survey"}
    assert len(delta) == 2 * 3


def test_a_replaced_table_without_an_alias_keeps_its_name_for_its_columns(con):
    sql = ("SELECT placements.year, 'facts.placements' AS source FROM facts.placements -- facts.placements\n"
           "WHERE placements.base_id > 1 AND 1 IN (SELECT 1 FROM facts . placements AS q TABLESAMPLE 100%)")
    assert con.execute(replace_tables(sql, {"facts.placements": "delta_placements"})).fetchall() \
        == [(2025, "facts.placements"), (2025, "facts.placements")]


def test_a_table_named_like_a_replaced_one_is_not_replaced(con):
    sql = "SELECT count(*) FROM raw.placements__files, facts.placements"
    assert replace_tables(sql, {"raw.placements": "nothing"}) == sql
