"""Reference lists as a build loads them into a database that already holds the previous build's (a build
starts as a copy of the publication): an edited list replaces the old one, an unchanged list stays as it is. And the
bundled lists keep the rules their README states: codes shaped as their catalogue prints them, one level per major and
institution, every crosswalk major known and weighted to 1, every institution in a known city."""

from __future__ import annotations

import csv
import re
from decimal import Decimal

import duckdb
import pytest

from sources import settings
from sources.reference_data import ReferenceError, load_reference_table

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


# --------------------------------------------------------------------------------------------------
# the bundled lists themselves, read as plain CSV (as data staff edit them), not through the loader
# --------------------------------------------------------------------------------------------------

def bundled(name: str) -> list[dict[str, str]]:
    with (settings.reference_dir() / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_a_major_is_bachelor_or_vocational_by_its_catalogue_and_its_code_says_which():
    """本科 codes come from the undergraduate catalogue (门类 01–14, optional T/K); 专科 codes from the 2021 职业教育
    专业目录 (专业大类 41–97, six digits). A planner filtering by level must not find one under the other."""
    majors = bundled("majors.csv")
    assert {m["level"] for m in majors} == {"本科", "专科"}
    for m in majors:
        code = m["major_code"]
        if m["level"] == "专科":
            assert re.fullmatch(r"\d{6}", code) and 41 <= int(code[:2]) <= 97, m
        else:
            assert re.fullmatch(r"\d{6}(T|K|TK)?", code) and 1 <= int(code[:2]) <= 14, m
        assert (m["discipline_code"], m["class_code"]) == (code[:2], code[:4]), m
    assert sum(m["level"] == "专科" for m in majors) >= 15


def test_every_major_name_resolves_to_one_code():
    """Staff write majors by name as often as by code: a name (Chinese or English) that two majors share could not
    be resolved, and rows naming it would be quarantined. Codes are unique too."""
    majors = bundled("majors.csv")
    for column in ("major_code", "major_name", "major_name_en"):
        values = [m[column].strip().lower() for m in majors]
        assert len(values) == len(set(values)), column


def test_every_major_has_crosswalk_weights_that_sum_to_one():
    majors = {m["major_code"] for m in bundled("majors.csv")}
    industries = {i["industry_code"] for i in bundled("industries.csv")}
    rows = bundled("major_industry_crosswalk.csv")
    weights: dict[str, list[Decimal]] = {}
    for r in rows:
        assert r["major_code"] in majors and r["industry_code"] in industries, r
        assert re.fullmatch(r"\d\.\d\d", r["weight"]) and Decimal("0.10") <= Decimal(r["weight"]) <= 1, r
        weights.setdefault(r["major_code"], []).append(Decimal(r["weight"]))
    assert set(weights) == majors  # every major leads somewhere
    assert all(sum(w) == 1 and len(w) <= 4 for w in weights.values()), weights
    assert len({(r["major_code"], r["industry_code"]) for r in rows}) == len(rows)
    assert len({r["version"] for r in rows}) == 1


def test_every_institution_is_in_a_known_city_with_a_level():
    cities = {(c["province_name"], c["city_name"]) for c in bundled("cities.csv")}
    institutions = bundled("universities.csv")
    codes = [u["university_code"] for u in institutions]
    assert len(codes) == len(set(codes))
    for u in institutions:
        assert re.fullmatch(r"1\d{4}", u["university_code"]), u
        assert (u["province_name"], u["city_name"]) in cities, u
        assert u["level"] in ("本科", "专科"), u
    colleges = [u for u in institutions if u["level"] == "专科"]
    assert len(colleges) >= 10
    assert {u["province_name"] for u in colleges} == {"辽宁省", "吉林省", "黑龙江省"}


def test_a_supplement_without_a_level_still_loads_and_a_bad_level_is_named(tmp_path):
    landing = tmp_path / "landing"
    supplement = landing / "reference" / "universities.csv"
    supplement.parent.mkdir(parents=True)
    supplement.write_text(SUPPLEMENT_HEADER + "99001,沈阳某职业技术学院,Shenyang Vocational,辽宁省,沈阳市\n",
                          encoding="utf-8")
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        load_reference_table(con, "universities", landing)
        levels = dict(con.execute("SELECT university_code, level FROM reference.universities").fetchall())
        assert levels["99001"] is None  # not stated
        assert levels["10213"] == "本科" and levels["12594"] == "专科"  # 哈尔滨工业大学, 沈阳职业技术学院

        supplement.write_text(SUPPLEMENT_HEADER.replace("\n", ",level\n") + "99001,某学院,X,辽宁省,沈阳市,专科\n"
                              "99002,某大学,Y,辽宁省,沈阳市,大专\n", encoding="utf-8")
        with pytest.raises(ReferenceError, match=r"universities\.csv: row 3, column level: '大专' is not one of"):
            load_reference_table(con, "universities", landing)


def test_every_skill_wording_names_one_skill_and_the_vocabulary_has_one_version():
    import unicodedata

    def fold(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).lower().split())

    rows = bundled("skills.csv")
    assert len(rows) >= 150 and len({r["skill_id"] for r in rows}) == len(rows)
    owner: dict[str, set[str]] = {}
    for r in rows:
        assert r["skill_name"] and r["skill_name_en"] and r["category"] and r["category_en"], r
        assert not re.search(r"[\u3000-\u9fff\uff00-\uffef]", r["skill_name_en"] + r["category_en"]), r
        for wording in [r["skill_name"], r["skill_name_en"], *filter(None, r["aliases"].split("|"))]:
            owner.setdefault(fold(wording), set()).add(r["skill_id"])
    assert {w: s for w, s in owner.items() if len(s) > 1} == {}
    assert len({r["version"] for r in rows}) == 1
    # the examples are all in it, under one skill each
    for wording in ("PLC", "可编程控制器", "西门子PLC", "数控加工", "CAD/CAM", "焊接", "GMP", "Python", "Java", "SQL",
                    "嵌入式开发", "电气控制", "汽车电子", "财务分析", "英语", "驾驶证", "化工工艺", "食品安全检测"):
        assert fold(wording) in owner, wording
    assert owner[fold("西门子PLC")] == owner[fold("可编程控制器")] == {"plc"}


def test_an_edited_skills_vocabulary_reloads_no_file_while_an_edited_major_list_does():
    """The vocabulary is read by the skill models only: it is no part of a loader's fingerprint, so editing it
    rebuilds those models (their state includes reference.skills) and reads no survey or catalogue again."""
    from sources.kinds import KINDS
    from sources.loading import loader_fingerprint
    from sources.reference_data import REFERENCE_TABLES

    con = duckdb.connect()
    for table in REFERENCE_TABLES:
        load_reference_table(con, table)
    key = b"a test key of thirty-two bytes!!"

    def fingerprints() -> dict[str, str]:
        return {kind: loader_fingerprint(con, KINDS[kind], key) for kind in ("catalogue", "survey")}

    before = fingerprints()
    con.execute("UPDATE reference.skills SET aliases = aliases || '|新的写法', version = '2026.2'")
    assert fingerprints() == before
    con.execute("UPDATE reference.majors SET major_name_en = major_name_en || ' (edited)' WHERE major_code = '080202'")
    assert all(before[kind] != after for kind, after in fingerprints().items())
