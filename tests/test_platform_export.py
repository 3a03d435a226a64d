"""`portal platform-export`: the placements for the MoE internship platform as XLSX, aggregated by university ×
base × type (× organisation × mode), recomputed from the placement facts, with no student in it and small
groups suppressed."""

from __future__ import annotations

import re

import openpyxl
import pandas as pd
import pytest

from pipelines.cli import main

YEAR = 2025


@pytest.fixture(scope="module")
def exported(demo_build, tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("platform") / "platform.xlsx"
    assert main(["platform-export", "--out", str(out), "--year", str(YEAR),
                 "--warehouse", str(demo_build.warehouse)]) == 0
    book = openpyxl.load_workbook(out)
    assert "填报说明" in book.sheetnames  # what each field means, and the layout's source
    rows = list(book["实习数据"].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_the_platforms_fields_are_there(exported):
    assert {"院校代码", "实习基地编号", "实习单位名称", "实习单位统一社会信用代码", "实习类型", "实习组织形式",
            "实习方式", "实习开始时间", "实习结束时间", "实习学生人数"} <= set(exported.columns)
    assert set(exported["实习类型"]) == {"认识实习", "生产实习（含专业实习）", "毕业实习（含岗位实习、顶岗实习）"}
    assert set(exported["实习组织形式"]) <= {"集中实习", "分散实习", "未填写"}
    assert (exported["年份"] == YEAR).all()


def test_student_counts_are_the_facts_distinct_students_per_group(exported, demo_build):
    with demo_build.connect() as con:
        facts = con.execute("SELECT university_code, base_id, internship_type, organisation, mode, student_key "
                            "FROM facts.placements WHERE year = ?", [YEAR]).df()
    names = {"cognitive": "认识实习", "production": "生产实习（含专业实习）",
             "graduation": "毕业实习（含岗位实习、顶岗实习）"}
    facts["实习类型"] = facts["internship_type"].map(names)
    facts["实习组织形式"] = facts["organisation"].map({"centralised": "集中实习", "dispersed": "分散实习"}).fillna("未填写")
    facts["实习方式"] = facts["mode"].map({"onsite": "现场实习", "virtual": "虚拟实习",
                                       "simulated": "模拟实习"}).fillna("未填写")
    keys = ["university_code", "base_id", "实习类型", "实习组织形式", "实习方式"]
    expected = facts.groupby(keys)["student_key"].nunique().rename("expected").reset_index()
    got = exported.rename(columns={"院校代码": "university_code", "实习基地编号": "base_id"}).merge(expected, on=keys,
                                                                                           how="outer")
    assert len(got) == len(exported) == len(expected)
    shown = got[got["expected"] >= 5]
    assert (shown["实习学生人数"] == shown["expected"]).all() and len(shown) > 100
    small = got[got["expected"] < 5]
    assert small["实习学生人数"].isna().all() and small["实习开始时间"].isna().all()
    assert (small["备注"] == "实习学生少于 5 人，人数不予显示").all()


def test_no_student_is_listed(exported):
    text = exported.astype(str).to_numpy().ravel()
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    assert not [v for v in text if uuid.search(v)]
    assert not {"学号", "姓名", "身份证号", "手机号"} & set(exported.columns)
