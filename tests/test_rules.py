"""Each validation rule: a file with one bad row loads its good rows and quarantines the bad one, with the
file, row, column and a reason a data clerk can act on."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import csv_bytes

CATALOGUE_HEADER = ["年份", "院校代码", "院校名称", "省份", "城市", "培养层次", "专业代码", "专业名称", "招生人数", "毕业生人数"]
GOOD_CATALOGUE = [2024, "10145", "东北大学", "辽宁省", "沈阳市", "本科", "080902", "软件工程", 120, 100]
SURVEY_HEADER = ["调查年份", "统一社会信用代码", "企业名称", "行业代码", "省份", "城市", "岗位名称", "需求专业", "学历要求", "需求人数"]
GOOD_SURVEY = [2024, "91210100MA0AB1C01X", "沈阳某软件有限公司", "I65", "辽宁省", "沈阳市", "Java开发", "080902", "本科", 30]
BASES_HEADER = ["基地编号", "基地名称", "统一社会信用代码", "院校代码", "城市", "建立年份", "年接收能力"]
GOOD_BASE = ["JD001", "东北大学软件实习基地", "91210100MA0AB1C01X", "10145", "沈阳市", 2020, 40]
PLACEMENT_HEADER = ["年份", "学号", "院校代码", "专业代码", "基地编号", "开始日期", "结束日期", "实习结果"]
GOOD_PLACEMENT = [2024, "20240001", "10145", "080902", "JD001", "2024-07-01", "2024-08-31", "留用"]


def with_value(row: list, index: int, value: object) -> list:
    changed = list(row)
    changed[index] = value
    return changed


def load_placements(load_landing, rows: list[list]):
    """A landing folder of one valid base and a placement file `p.csv` with these rows."""
    return load_landing({
        "bases": {"b.csv": csv_bytes(BASES_HEADER, [GOOD_BASE])},
        "placements": {"p.csv": csv_bytes(PLACEMENT_HEADER, rows)},
    })


def assert_one_quarantined(loaded, kind: str, file: str, column: str, reason_part: str) -> None:
    report = loaded.report(file)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (2, 1, 1)
    [(qfile, row, qcolumn, reason)] = loaded.quarantine(kind)
    assert qfile == f"{kind}/{file}"
    assert row == 3  # header is row 1, the good row 2, the bad row 3
    assert qcolumn == column
    assert reason_part in reason


def test_unknown_major_code_is_quarantined(load_landing):
    bad = with_value(GOOD_CATALOGUE, 6, "089999")
    loaded = load_landing({"catalogue": {"c.csv": csv_bytes(CATALOGUE_HEADER, [GOOD_CATALOGUE, bad])}})
    assert_one_quarantined(loaded, "catalogue", "c.csv", "major_code", "unknown major code '089999'")


def test_unknown_university_code_is_quarantined(load_landing):
    bad = with_value(GOOD_CATALOGUE, 1, "19999")
    loaded = load_landing({"catalogue": {"c.csv": csv_bytes(CATALOGUE_HEADER, [GOOD_CATALOGUE, bad])}})
    assert_one_quarantined(loaded, "catalogue", "c.csv", "university_code", "unknown university code '19999'")


def test_unknown_industry_code_is_quarantined(load_landing):
    bad = with_value(GOOD_SURVEY, 3, "Z99")
    loaded = load_landing({"survey": {"s.csv": csv_bytes(SURVEY_HEADER, [GOOD_SURVEY, bad])}})
    assert_one_quarantined(loaded, "survey", "s.csv", "industry_code", "unknown industry code 'Z99'")


def test_unknown_major_name_in_survey_is_quarantined(load_landing):
    bad = with_value(GOOD_SURVEY, 7, "软件工程、炼金术")
    loaded = load_landing({"survey": {"s.csv": csv_bytes(SURVEY_HEADER, [GOOD_SURVEY, bad])}})
    assert_one_quarantined(loaded, "survey", "s.csv", "majors", "unknown major '炼金术'")


def test_negative_count_is_quarantined(load_landing):
    bad = with_value(GOOD_CATALOGUE, 8, -5)
    loaded = load_landing({"catalogue": {"c.csv": csv_bytes(CATALOGUE_HEADER, [GOOD_CATALOGUE, bad])}})
    assert_one_quarantined(loaded, "catalogue", "c.csv", "enrolment", "negative count: -5")


def test_count_with_a_fraction_is_quarantined_not_rounded(load_landing):
    bad = with_value(with_value(GOOD_CATALOGUE, 8, "12.5"), 6, "080901")
    excel_float = with_value(with_value(GOOD_CATALOGUE, 8, "120.0"), 6, "080903")
    loaded = load_landing({"catalogue": {"c.csv": csv_bytes(CATALOGUE_HEADER, [GOOD_CATALOGUE, bad])}})
    assert_one_quarantined(loaded, "catalogue", "c.csv", "enrolment", "not a whole number: '12.5'")
    loaded = load_landing({"catalogue": {"c.csv": csv_bytes(CATALOGUE_HEADER, [excel_float])}})
    assert loaded.con.execute("SELECT enrolment FROM raw.catalogue").fetchall() == [(120,)]


def test_non_numeric_count_is_quarantined(load_landing):
    bad = with_value(GOOD_SURVEY, 9, "若干")
    loaded = load_landing({"survey": {"s.csv": csv_bytes(SURVEY_HEADER, [GOOD_SURVEY, bad])}})
    assert_one_quarantined(loaded, "survey", "s.csv", "headcount", "not a whole number: '若干'")


@pytest.mark.parametrize(("headcount", "reason"), [
    ("1e3", "not a whole number: '1e3'"),  # DuckDB's cast would take these three as 1000
    ("1_000", "not a whole number: '1_000'"),
    ("0x3E8", "not a whole number: '0x3E8'"),
    ("999999999999", "more than 1,000,000: 999999999999"),
])
def test_a_count_as_nobody_writes_one_or_beyond_belief_is_quarantined(load_landing, headcount, reason):
    bad = with_value(GOOD_SURVEY, 9, headcount)
    loaded = load_landing({"survey": {"s.csv": csv_bytes(SURVEY_HEADER, [GOOD_SURVEY, bad])}})
    assert_one_quarantined(loaded, "survey", "s.csv", "headcount", reason)


def test_counts_as_people_write_them_still_load(load_landing):
    rows = [with_value(with_value(GOOD_SURVEY, 9, written), 6, f"岗位{i}")
            for i, written in enumerate(["1,200", "35人", "３５", " 40 ", "120.0"])]
    loaded = load_landing({"survey": {"s.csv": csv_bytes(SURVEY_HEADER, rows)}})
    assert sorted(n for (n,) in loaded.rows("SELECT headcount FROM raw.survey")) == [35, 35, 40, 120, 1200]


def test_a_spreadsheets_true_is_a_yes_not_a_count_of_one(load_landing):
    from tests.test_bad_inputs import xlsx

    header = [*SURVEY_HEADER, "是否接收实习生"]
    rows = [[*GOOD_SURVEY, True], [*with_value(with_value(GOOD_SURVEY, 9, True), 6, "测试"), False]]
    loaded = load_landing({"survey": {"s.xlsx": xlsx(("问卷", [header, *rows]))}})
    assert_one_quarantined(loaded, "survey", "s.xlsx", "headcount", "not a whole number: 'TRUE'")
    assert loaded.rows("SELECT headcount, hosts_interns FROM raw.survey") == [(30, True)]


@pytest.mark.parametrize(("salary", "reason"), [
    ("inf", "not a number: 'inf'"), ("nan", "not a number: 'nan'"), ("-infinity", "not a number: '-infinity'"),
    ("12000000", "more than 1,000,000 a month: 12000000"),
])
def test_a_monthly_salary_that_is_no_amount_is_quarantined(load_landing, salary, reason):
    header = [*SURVEY_HEADER, "月薪"]
    bad = with_value([*GOOD_SURVEY, 8000], 10, salary)
    loaded = load_landing({"survey": {"s.csv": csv_bytes(header, [[*GOOD_SURVEY, 8000], bad])}})
    assert_one_quarantined(loaded, "survey", "s.csv", "monthly_salary", reason)


def test_end_before_start_is_quarantined(load_landing):
    bad = with_value(with_value(GOOD_PLACEMENT, 1, "20240002"), 6, "2024-06-30")
    loaded = load_placements(load_landing, [GOOD_PLACEMENT, bad])
    assert_one_quarantined(loaded, "placements", "p.csv", "end_date", "before start date")


@pytest.mark.parametrize("end_date", ["20244-08-31", "infinity", "epoch", "-2024-08-31", "2024-08.31", "2024-13-01",
                                      "20240230", "20230229", "20241301", "20240800", "20240832"])
def test_what_only_looks_like_a_date_is_not_a_date(load_landing, end_date):
    bad = with_value(with_value(GOOD_PLACEMENT, 1, "20240002"), 6, end_date)
    loaded = load_placements(load_landing, [GOOD_PLACEMENT, bad])
    assert_one_quarantined(loaded, "placements", "p.csv", "end_date", "not a date")


@pytest.mark.parametrize("written", ["2024-8-31", "2024/08/31", "2024.8.31", "20240831", "2024年8月31日", "45535"])
def test_dates_as_people_and_excel_write_them(load_landing, written):
    row = with_value(GOOD_PLACEMENT, 6, written)
    loaded = load_placements(load_landing, [row])
    assert loaded.con.execute("SELECT end_date FROM raw.placements").fetchall() == [(dt.date(2024, 8, 31),)]


def test_placement_at_unknown_base_is_quarantined(load_landing):
    bad = with_value(with_value(GOOD_PLACEMENT, 1, "20240002"), 4, "JD404")
    loaded = load_placements(load_landing, [GOOD_PLACEMENT, bad])
    assert_one_quarantined(loaded, "placements", "p.csv", "base_id", "unknown base JD404")


def test_exact_duplicate_row_is_quarantined_and_names_the_original(load_landing):
    loaded = load_landing({"catalogue": {"c.csv": csv_bytes(CATALOGUE_HEADER, [GOOD_CATALOGUE, GOOD_CATALOGUE])}})
    assert_one_quarantined(loaded, "catalogue", "c.csv", "*", "exact duplicate of row 2")


def test_missing_value_in_required_column_is_quarantined(load_landing):
    bad = with_value(GOOD_CATALOGUE, 5, "")
    loaded = load_landing({"catalogue": {"c.csv": csv_bytes(CATALOGUE_HEADER, [GOOD_CATALOGUE, bad])}})
    assert_one_quarantined(loaded, "catalogue", "c.csv", "level", "missing value")


def test_file_missing_required_columns_is_rejected_whole_and_others_still_load(load_landing):
    header = [h for h in CATALOGUE_HEADER if h not in ("专业代码", "招生人数")]
    rows = [[v for h, v in zip(CATALOGUE_HEADER, GOOD_CATALOGUE) if h in header]]
    loaded = load_landing({"catalogue": {
        "a_broken.csv": csv_bytes(header, rows),
        "b_good.csv": csv_bytes(CATALOGUE_HEADER, [GOOD_CATALOGUE]),
    }})
    broken = loaded.report("a_broken.csv")
    assert broken.status == "rejected"
    assert "catalogue/a_broken.csv" in broken.message
    assert "专业代码 (major_code)" in broken.message and "招生人数 (enrolment)" in broken.message
    assert loaded.report("b_good.csv").rows_loaded == 1
    assert loaded.rows("SELECT count(*) FROM raw.catalogue") == [(1,)]


def test_counts_add_up_for_every_file(load_landing):
    rows = [GOOD_CATALOGUE, with_value(GOOD_CATALOGUE, 8, "x"), with_value(GOOD_CATALOGUE, 6, "000000"),
            with_value(GOOD_CATALOGUE, 7, "另一个名字")]
    loaded = load_landing({"catalogue": {"c.csv": csv_bytes(CATALOGUE_HEADER, rows)}})
    report = loaded.report("c.csv")
    assert report.rows_read == 4 == report.rows_loaded + report.rows_quarantined
    assert report.rows_quarantined == len(loaded.quarantine("catalogue")) == 2


def test_malformed_line_is_quarantined_with_its_line_number(load_landing):
    text = csv_bytes(CATALOGUE_HEADER, [GOOD_CATALOGUE]).decode() + "2024,10145,东北大学,辽宁省,沈阳市,本科,080903,网络工程,60,50,多余,的,列\n"
    text += ",".join(str(v) for v in with_value(GOOD_CATALOGUE, 6, "080901")) + "\n"
    loaded = load_landing({"catalogue": {"c.csv": text.encode()}})
    report = loaded.report("c.csv")
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (3, 2, 1)
    [(_, row, column, reason)] = loaded.quarantine("catalogue")
    assert row == 3 and column is None and "malformed line" in reason
    # the row after the malformed line keeps its own row number
    assert loaded.rows("SELECT source_row FROM raw.catalogue WHERE major_code = '080901'") == [(4,)]


def test_supply_is_projected_from_enrolment_and_flagged(load_landing):
    """A cohort with enrolment but no graduate figure yet: supply = enrolment L years earlier, flagged."""
    from warehouse import models

    rows = [
        [2021, "10145", "东北大学", "辽宁省", "沈阳市", "本科", "080902", "软件工程", 130, 110],
        [2025, "10145", "东北大学", "辽宁省", "沈阳市", "本科", "080902", "软件工程", 150, ""],
        [2025, "10145", "东北大学", "辽宁省", "沈阳市", "本科", "080903", "网络工程", 40, ""],  # nothing to project from
    ]
    loaded = load_landing({"catalogue": {"c.csv": csv_bytes(CATALOGUE_HEADER, rows)}})
    for model in models.discover():
        if model.table in ("staging.catalogue", "facts.supply"):
            models.run_model(loaded.con, model)
    supply = loaded.rows("SELECT year, major_code, supply, is_projection FROM facts.supply ORDER BY year, major_code")
    assert supply == [(2021, "080902", 110, False), (2025, "080902", 130, True)]


def test_personal_numbers_in_free_text_are_quarantined_and_masked(load_landing):
    row = with_value(GOOD_SURVEY, 6, "联系人 13812345678，身份证 11010120000101123X")
    loaded = load_landing({"survey": {"s.csv": csv_bytes(SURVEY_HEADER, [GOOD_SURVEY, row])}})
    assert_one_quarantined(loaded, "survey", "s.csv", "position", "looks like an ID or mobile number")
    [(raw,)] = loaded.rows("SELECT raw_row::VARCHAR FROM raw.survey__quarantine")
    assert "13812345678" not in raw and "11010120000101123X" not in raw and "联系人" in raw


def test_student_numbers_that_lost_leading_zeros_are_the_same_student(load_landing):
    rows = [with_value(GOOD_PLACEMENT, 1, "00123"),
            with_value(with_value(with_value(GOOD_PLACEMENT, 1, "123"), 5, "2024-09-01"), 6, "2024-10-31")]
    loaded = load_placements(load_landing, rows)
    assert loaded.rows("SELECT count(DISTINCT student_key), count(*) FROM raw.placements") == [(1, 2)]


def test_placement_year_must_be_the_start_dates_year(load_landing):
    bad = with_value(with_value(GOOD_PLACEMENT, 1, "20240002"), 0, 2023)
    loaded = load_placements(load_landing, [GOOD_PLACEMENT, bad])
    assert_one_quarantined(loaded, "placements", "p.csv", "year", "is not the year of the start date")


@pytest.mark.parametrize(("kind", "header", "good", "index", "column"), [
    ("catalogue", CATALOGUE_HEADER, GOOD_CATALOGUE, 1, "university_code"),
    ("catalogue", CATALOGUE_HEADER, GOOD_CATALOGUE, 3, "province"),
    ("catalogue", CATALOGUE_HEADER, GOOD_CATALOGUE, 4, "city"),
    ("catalogue", CATALOGUE_HEADER, GOOD_CATALOGUE, 6, "major_code"),
    ("survey", SURVEY_HEADER, GOOD_SURVEY, 3, "industry_code"),
])
def test_a_code_cell_of_only_a_tab_is_quarantined_not_loaded_empty(load_landing, kind, header, good, index, column):
    # a tab is whitespace that a code loses when it is normalised: the value left is no code at all
    bad = with_value(good, index, "\t")
    loaded = load_landing({kind: {"f.csv": csv_bytes(header, [good, bad])}})
    assert_one_quarantined(loaded, kind, "f.csv", column, "")


def test_a_base_cell_of_only_a_tab_is_quarantined_not_loaded_empty(load_landing):
    # the base rule's twin of the known-code checks above: no base at all is not a known base
    bad = with_value(with_value(GOOD_PLACEMENT, 1, "20240002"), 4, "\t")
    loaded = load_placements(load_landing, [GOOD_PLACEMENT, bad])
    assert_one_quarantined(loaded, "placements", "p.csv", "base_id", "unknown base (empty)")


def test_placement_naming_another_host_than_its_base_is_quarantined(load_landing):
    header = [*PLACEMENT_HEADER, "实习单位统一社会信用代码"]
    good = [*GOOD_PLACEMENT, GOOD_BASE[2]]
    bad = with_value(good, len(header) - 1, "91210100MA0AB1C02X")
    loaded = load_landing({
        "bases": {"b.csv": csv_bytes(BASES_HEADER, [GOOD_BASE])},
        "placements": {"p.csv": csv_bytes(header, [good, bad])},
    })
    assert_one_quarantined(loaded, "placements", "p.csv", "host_enterprise_id",
                           "host 91210100MA0AB1C02X is not the enterprise of base JD001")


# 学历要求 as enterprises write it → the minimum level the position asks for (METRICS.md "Demand", v2)
EDUCATION_WORDINGS = {
    "专科": "专科", "大专": "专科", "高职": "专科", "专科及以上": "专科", "大专及以上": "专科",
    "本科": "本科", "本科及以上": "本科", "学士": "本科", "Bachelor": "本科",
    "研究生": "研究生", "硕士": "研究生", "硕士研究生": "研究生", "硕士及以上": "研究生", "博士": "研究生",
    "博士研究生": "研究生",
    "不限": "不限", "无要求": "不限", "学历不限": "不限",
    # full-width and padded, as people type them
    "　本科及以上 ": "本科", "ＢＡＣＨＥＬＯＲ": "本科",
}


def test_education_wordings_become_the_minimum_level(load_landing):
    rows = [with_value(with_value(GOOD_SURVEY, 8, written), 6, f"岗位{i}")
            for i, written in enumerate(EDUCATION_WORDINGS)]
    loaded = load_landing({"survey": {"s.csv": csv_bytes(SURVEY_HEADER, rows)}})
    assert loaded.quarantine("survey") == []
    stored = dict(loaded.rows("SELECT position, education FROM raw.survey"))
    assert {written: stored[f"岗位{i}"] for i, written in enumerate(EDUCATION_WORDINGS)} == EDUCATION_WORDINGS


@pytest.mark.parametrize("written", ["初中", "中专", "本科或硕士", "MBA"])
def test_unknown_education_wording_is_quarantined_with_its_text(load_landing, written):
    bad = with_value(GOOD_SURVEY, 8, written)
    loaded = load_landing({"survey": {"s.csv": csv_bytes(SURVEY_HEADER, [GOOD_SURVEY, bad])}})
    assert_one_quarantined(loaded, "survey", "s.csv", "education", f"unknown education requirement '{written}'")
