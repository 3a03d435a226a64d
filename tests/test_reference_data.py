"""Reference lists as a build loads them into a database that already holds the previous build's (a build
starts as a copy of the publication): an edited list replaces the old one, an unchanged list stays as it is."""

from __future__ import annotations

import duckdb

from sources.reference_data import load_reference_table

SUPPLEMENT_HEADER = "university_code,university_name,university_name_en,province_name,city_name\n"


def universities(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    return {code: (name, listed_in) for code, name, listed_in in con.execute(
        "SELECT university_code, university_name, listed_in FROM reference.universities").fetchall()}


def test_an_edited_register_replaces_the_one_the_database_held_and_an_unchanged_one_stays(tmp_path):
    landing = tmp_path / "landing"
    supplement = landing / "reference" / "universities.csv"
    supplement.parent.mkdir(parents=True)
    supplement.write_text(SUPPLEMENT_HEADER + "99001,沈阳某职业技术学院,Shenyang Vocational,辽宁省,沈阳市\n",
                          encoding="utf-8")
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        bundled = load_reference_table(con, "universities")
        assert load_reference_table(con, "universities", landing) == bundled + 1
        assert universities(con)["99001"] == ("沈阳某职业技术学院", "landing")
        before = con.execute("SELECT * FROM reference.universities ORDER BY ALL").fetchall()

        # the same files again: the same rows
        assert load_reference_table(con, "universities", landing) == bundled + 1
        assert con.execute("SELECT * FROM reference.universities ORDER BY ALL").fetchall() == before

        # a renamed institution and one more: both seen, and nothing else changed
        supplement.write_text(SUPPLEMENT_HEADER + "99001,沈阳某职业学院,Shenyang Vocational,辽宁省,沈阳市\n"
                              "99002,大连某职业学院,Dalian Vocational,辽宁省,大连市\n", encoding="utf-8")
        assert load_reference_table(con, "universities", landing) == bundled + 2
        now = universities(con)
        assert now["99001"] == ("沈阳某职业学院", "landing") and now["99002"] == ("大连某职业学院", "landing")
        assert {k: v for k, v in now.items() if not k.startswith("99")} == \
            {code: (name, listed_in) for code, name, *_, listed_in in before if not code.startswith("99")}

        # the supplement taken away: the bundled list alone
        supplement.unlink()
        assert load_reference_table(con, "universities", landing) == bundled
        assert not any(code.startswith("99") for code in universities(con))
