"""The internship wordings of the MoE platform and of data staff are normalised as docs/metrics.md
"Internship types" says; wordings not recognised count as production internships and are listed, never dropped."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from sources.folding import register_nfkc
from warehouse import models

WORDINGS = [
    ("认识实习", "cognitive"), ("认知实习", "cognitive"), ("Cognitive", "cognitive"),
    ("生产实习", "production"), ("专业实习", "production"), ("Production internship", "production"),
    ("毕业实习", "graduation"), ("岗位实习", "graduation"), ("顶岗实习", "graduation"), ("graduation", "graduation"),
    ("跟岗实习", None), ("其他", None), (None, None),
]


@pytest.fixture(scope="module")
def con():
    with duckdb.connect() as connection:
        models.prepare(connection)
        yield connection


@pytest.mark.parametrize(("wording", "normalised"), WORDINGS)
def test_internship_type_wordings(con, wording, normalised):
    recognised, counted = con.execute("SELECT internship_type_of(?), internship_type_counted(?)",
                                      [wording, wording]).fetchone()
    assert recognised == normalised
    assert counted == (normalised or "production")  # unknown or missing wording counts as production


@pytest.mark.parametrize(("wording", "organisation", "mode"), [
    ("集中", "centralised", None), ("分散", "dispersed", None), ("现场", None, "onsite"),
    ("虚拟仿真", None, "virtual"), ("模拟", None, "simulated"), ("线下", None, "onsite"),
])
def test_organisation_and_mode_wordings(con, wording, organisation, mode):
    assert con.execute("SELECT internship_organisation_of(?), internship_mode_of(?)",
                       [wording, wording]).fetchone() == (organisation, mode)


def test_cognitive_visits_are_no_placements_and_small_groups_are_suppressed(con):
    assert con.execute("SELECT is_placement('cognitive'), is_placement('production'), "
                       "is_placement('graduation')").fetchone() == (False, True, True)
    assert con.execute("SELECT shown(0.5, 4), shown(0.5, 5), shown(0.0, 0)").fetchone() == (None, 0.5, 0.0)


def test_an_unrecognised_wording_is_loaded_counted_and_listed(load_landing):
    """跟岗实习 (a wording the normalisation does not know) and a mixed 组织方式, through the loader and the
    models: the rows load, count as production internships with organisation unknown, and
    marts.internship_wordings lists each wording with how it was counted and how many rows carry it."""
    from tests.conftest import csv_bytes

    header = ["年份", "学号", "院校代码", "专业代码", "基地编号", "开始日期", "结束日期", "实习结果", "实习类型",
              "组织方式"]
    rows = [[2024, f"2024{i:04d}", "10145", "080902", "JD001", "2024-07-01", "2024-08-31", "完成", written,
             organisation]
            for i, (written, organisation) in enumerate([("跟岗实习", "集中"), ("跟岗实习", "混合"),
                                                         ("跟岗实习", "集中"), ("毕业实习", "集中")])]
    loaded = load_landing({
        "bases": {"b.csv": csv_bytes(["基地编号", "基地名称", "统一社会信用代码", "院校代码", "城市", "建立年份",
                                      "年接收能力"],
                                     [["JD001", "东北大学软件实习基地", "91210100MA0AB1C01X", "10145", "沈阳市",
                                       2020, 40]])},
        "placements": {"p.csv": csv_bytes(header, rows)},
    })
    assert loaded.quarantine("placements") == []
    for _ in models.run_models(loaded.con, models.discover()):
        pass
    assert sorted(loaded.rows("SELECT column_name, wording, counted_as, placement_rows "
                              "FROM marts.internship_wordings")) == [
        ("internship_type", "跟岗实习", "production", 3), ("organisation", "混合", "unknown", 1)]
    assert sorted(loaded.rows("SELECT internship_type, count(*) FROM facts.placements GROUP BY ALL")) == [
        ("graduation", 1), ("production", 3)]


@pytest.fixture()
def placements():
    """One enterprise's placements of one major in 2024, as facts.placements has them: five students in
    centralised on-site production internships, one of whom also had a dispersed virtual one elsewhere in the
    enterprise; five graduation internships (three hired); one cognitive visit."""
    rows = [(f"s{i}", "production", "centralised", "onsite", "relevant", "completed") for i in range(1, 6)]
    rows.append(("s1", "production", "dispersed", "virtual", "not_relevant", "completed"))
    rows += [(f"g{i}", "graduation", "centralised", "onsite", "relevant", "hired" if i <= 3 else "completed")
             for i in range(1, 6)]
    rows.append(("c1", "cognitive", None, None, "relevant", "completed"))
    with duckdb.connect() as connection:
        register_nfkc(connection)  # as the dashboard's reader has it: the metric macros sent with a query call it
        connection.execute("CREATE SCHEMA facts")
        connection.execute("CREATE TABLE facts.placements (year INTEGER, enterprise_id VARCHAR, "
                           "university_code VARCHAR, major_code VARCHAR, student_key VARCHAR, internship_type VARCHAR, "
                           "is_placement BOOLEAN, organisation VARCHAR, mode VARCHAR, relevance VARCHAR, outcome VARCHAR)")
        connection.executemany("INSERT INTO facts.placements VALUES (2024, 'E1', '10145', '080902', ?, ?, ?, ?, ?, ?, ?)",
                               [(s, t, t != "cognitive", o, m, r, out) for s, t, o, m, r, out in rows])
        yield connection


def by_major(con, *choice) -> dict:
    frame = con.execute(models.with_macros("SELECT * FROM placements_by_major(?, ?, ?, ?, ?, ?)"),
                        list(choice)).df()
    assert list(frame["major_code"]) == ["080902"]
    return frame.iloc[0].to_dict()


def test_placements_by_major_counts_each_student_once_per_choice(placements):
    """The Internships page's table for one choice: a student with placements in two organisations counts once
    where both are chosen, in each where one is; cognitive visits only when chosen."""
    production = by_major(placements, "enterprise", "E1", 2024, "production", "all", "all")
    assert (production["students"], production["placement_rows"]) == (5, 6)
    assert production["relevance"] == pytest.approx(5 / 6)
    centralised = by_major(placements, "university", "10145", 2024, "production", "centralised", "onsite")
    assert (centralised["students"], centralised["placement_rows"], centralised["relevance"]) == (5, 5, 1.0)
    placed = by_major(placements, "enterprise", "E1", 2024, "all", "all", "all")
    # all placements: conversion over the graduation internships among them
    assert (placed["placement_rows"], placed["conversion"]) == (11, pytest.approx(3 / 5))
    graduation = by_major(placements, "enterprise", "E1", 2024, "graduation", "all", "onsite")
    assert (graduation["students"], graduation["conversion"]) == (5, pytest.approx(3 / 5))
    assert placements.execute(models.with_macros("SELECT count(*) FROM placements_by_major(?, ?, ?, ?, ?, ?)"),
                              ["enterprise", "E2", 2024, "all", "all", "all"]).fetchone() == (0,)


@pytest.mark.parametrize("choice", [("production", "dispersed", "all"), ("cognitive", "all", "unknown")])
def test_placements_by_major_hides_a_group_under_five_students(placements, choice):
    shown = by_major(placements, "enterprise", "E1", 2024, *choice)
    assert shown["suppressed"]
    assert pd.isna(shown["students"]) and pd.isna(shown["placement_rows"]) and pd.isna(shown["relevance"])
    assert shown["relevance_undefined"] == "suppressed"
