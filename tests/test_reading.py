"""Reading files as staff send them: encodings, XLSX with title rows, Chinese or English headers, codes that
lost their leading zeros, full-width characters, short or English place names, several majors per cell."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tests.conftest import csv_bytes
from tests.test_rules import CATALOGUE_HEADER, GOOD_CATALOGUE, GOOD_SURVEY, SURVEY_HEADER, with_value

pytestmark = pytest.mark.usefixtures("csv_reads")

ENGLISH_CATALOGUE_HEADER = ["year", "university_code", "university_name", "province", "city", "level", "major_code",
                            "major_name", "enrolment", "graduates"]


def catalogue_row(loaded) -> tuple:
    return loaded.rows(
        "SELECT year, university_code, province, city, level, major_code, major_name, enrolment, graduates "
        "FROM raw.catalogue ORDER BY source_row"
    )[0]


EXPECTED = (2024, "10145", "辽宁省", "沈阳市", "本科", "080902", "软件工程", 120, 100)


def test_utf8_with_bom_and_chinese_headers(load_landing):
    loaded = load_landing({"catalogue": {"c.csv": csv_bytes(CATALOGUE_HEADER, [GOOD_CATALOGUE], "utf-8-sig")}})
    assert catalogue_row(loaded) == EXPECTED


def test_gbk_csv_is_decoded_without_damage(load_landing):
    loaded = load_landing({"catalogue": {"c.csv": csv_bytes(CATALOGUE_HEADER, [GOOD_CATALOGUE], "gbk")}})
    assert catalogue_row(loaded) == EXPECTED


def test_gb18030_only_characters_survive(load_landing):
    # 䶮 (U+4DAE) exists in GB18030 but not in GBK: a GBK decoder would fail or replace it
    row = list(GOOD_SURVEY)
    row[2] = "沈阳䶮业软件有限公司"
    loaded = load_landing({"survey": {"s.csv": csv_bytes(SURVEY_HEADER, [row], "gb18030")}})
    assert loaded.rows("SELECT enterprise_name FROM raw.survey") == [("沈阳䶮业软件有限公司",)]


def test_undecodable_file_is_rejected_with_a_clear_message(load_landing):
    data = csv_bytes(CATALOGUE_HEADER, [GOOD_CATALOGUE], "utf-8") + b"\xff\xfe\xfa\n"
    loaded = load_landing({"catalogue": {"c.csv": data}})
    report = loaded.report("c.csv")
    assert report.status == "rejected"
    assert "neither UTF-8 nor GBK/GB18030" in report.message and "catalogue/c.csv" in report.message


def test_a_gbk_file_whose_first_pages_are_plain_ascii_is_decoded_as_gbk(load_landing):
    # the first 64 KiB are ASCII (valid UTF-8 too), so a large file is handed to DuckDB before its whole text is
    # checked: the GBK row further down must still be read as GBK, and every row counted once
    english = [2024, "10145", "Northeastern University", "Liaoning", "Shenyang", "bachelor", "80902", "Software", 120,
               100]
    rows = [with_value(english, 8, n) for n in range(1000, 2200)]  # each row its own (duplicates quarantine)
    data = csv_bytes(ENGLISH_CATALOGUE_HEADER, rows, "gbk") + ",".join(map(str, GOOD_CATALOGUE)).encode("gbk") + b"\n"
    assert data[:65536].isascii() and len(data) > 65536
    loaded = load_landing({"catalogue": {"c.csv": data}})
    report = loaded.report("c.csv")
    assert (report.status, report.rows_read, report.rows_loaded) == ("loaded", 1201, 1201), report.line()
    assert loaded.rows("SELECT major_name FROM raw.catalogue WHERE source_row = 1202") == [("软件工程",)]


def test_english_headers_english_place_names_and_lost_leading_zero(load_landing):
    row = [2024, "10145", "Northeastern University", "Liaoning", "Shenyang", "bachelor", "80902", "软件工程", 120, 100]
    loaded = load_landing({"catalogue": {"c.csv": csv_bytes(ENGLISH_CATALOGUE_HEADER, [row])}})
    assert catalogue_row(loaded) == EXPECTED


def test_full_width_characters_stray_spaces_and_short_names(load_landing):
    row = ["２０２４", " 10145 ", "东北大学", "辽宁", "沈阳", "本科 ", "０８０９０２", "软件\u3000工程 ", "１２０", " 100"]
    loaded = load_landing({"catalogue": {"c.csv": csv_bytes(CATALOGUE_HEADER, [row])}})
    assert catalogue_row(loaded)[:6] == EXPECTED[:6]
    assert catalogue_row(loaded)[6:] == ("软件 工程", 120, 100)


def test_thousands_separators_and_units_in_counts(load_landing):
    row = list(GOOD_CATALOGUE)
    row[8], row[9] = "1,200", "100人"
    loaded = load_landing({"catalogue": {"c.csv": csv_bytes(CATALOGUE_HEADER, [row])}})
    assert catalogue_row(loaded)[7:] == (1200, 100)


def test_survey_majors_by_code_and_name_with_any_separator(load_landing):
    rows = []
    for i, cell in enumerate(["软件工程、080901", "080903;数据科学与大数据技术", "Software Engineering/80901", "机器人工程，自动化"]):
        row = list(GOOD_SURVEY)
        row[6], row[7] = f"岗位{i}", cell
        rows.append(row)
    loaded = load_landing({"survey": {"s.csv": csv_bytes(SURVEY_HEADER, rows)}})
    assert loaded.report("s.csv").rows_quarantined == 0
    got = [tuple(r[0]) for r in loaded.rows("SELECT majors FROM raw.survey ORDER BY source_row")]
    assert got == [("080902", "080901"), ("080903", "080910T"), ("080902", "080901"), ("080803T", "080801")]


def test_industry_division_number_without_section_letter(load_landing):
    row = list(GOOD_SURVEY)
    row[3] = "65"
    loaded = load_landing({"survey": {"s.csv": csv_bytes(SURVEY_HEADER, [row])}})
    assert loaded.rows("SELECT industry_code FROM raw.survey") == [("I65",)]


def xlsx_bytes(rows: list[list[object]], title: str | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_title_row_and_numeric_codes(load_landing):
    row = [2024, 10145, "东北大学", "辽宁省", "沈阳市", "本科", 80902, "软件工程", 120, 100]
    data = xlsx_bytes([CATALOGUE_HEADER, row, row[:6] + ["080903", "网络工程", 60, 50]], title="2024年辽宁省高校本科专业目录")
    loaded = load_landing({"catalogue": {"c.xlsx": data}})
    assert loaded.report("c.xlsx").rows_loaded == 2
    assert catalogue_row(loaded) == EXPECTED
    # rows are numbered as Excel shows them: title 1, header 2, data from 3
    assert loaded.rows("SELECT source_row FROM raw.catalogue ORDER BY source_row") == [(3,), (4,)]


def test_xlsx_dates_are_read_as_dates(load_landing):
    import datetime as dt

    from tests.test_rules import BASES_HEADER, GOOD_BASE, PLACEMENT_HEADER

    # the end date with a time of day, as Excel keeps it when someone types one
    row = [2024, "20240001", "10145", "080902", "JD001", dt.datetime(2024, 7, 1), dt.datetime(2024, 8, 31, 17, 30),
           "完成"]
    loaded = load_landing({
        "bases": {"b.csv": csv_bytes(BASES_HEADER, [GOOD_BASE])},
        "placements": {"p.xlsx": xlsx_bytes([PLACEMENT_HEADER, row])},
    })
    assert loaded.rows("SELECT start_date::VARCHAR, end_date::VARCHAR FROM raw.placements") == [
        ("2024-07-01", "2024-08-31")
    ]


def test_semicolon_delimited_csv(load_landing):
    text = csv_bytes(CATALOGUE_HEADER, [GOOD_CATALOGUE]).decode().replace(",", ";")
    loaded = load_landing({"catalogue": {"c.csv": text.encode()}})
    assert catalogue_row(loaded) == EXPECTED


def test_identical_file_under_another_name_loads_once(load_landing):
    data = csv_bytes(CATALOGUE_HEADER, [GOOD_CATALOGUE])
    loaded = load_landing({"catalogue": {"a.csv": data, "copy_of_a.csv": data}})
    assert loaded.report("copy_of_a.csv").status == "rejected"
    assert "same content as catalogue/a.csv" in loaded.report("copy_of_a.csv").message
    assert loaded.rows("SELECT count(*) FROM raw.catalogue") == [(1,)]


def test_copies_of_a_file_load_once_when_the_first_of_them_is_rejected(load_landing):
    """The same bytes as a.xlsx (a CSV given the wrong suffix: rejected), b.csv and c.csv: b.csv loads and
    c.csv is a copy of it, so its rows are not counted twice."""
    data = csv_bytes(CATALOGUE_HEADER, [GOOD_CATALOGUE])
    loaded = load_landing({"catalogue": {"a.xlsx": data, "b.csv": data, "c.csv": data}})
    assert loaded.report("a.xlsx").status == "rejected"
    assert loaded.report("b.csv").status == "loaded"
    assert loaded.report("c.csv").status == "rejected"
    assert "same content as catalogue/b.csv" in loaded.report("c.csv").message
    assert loaded.rows("SELECT count(*) FROM raw.catalogue") == [(1,)]


def test_gbk_csv_with_a_title_row_above_the_header(load_landing):
    title = "2024年辽宁省高校本科专业目录\n"
    malformed = "2024,10145,东北大学,辽宁省,沈阳市,本科,080903,网络工程,60,50,多余\n"
    good_after = ",".join(str(v) for v in [2024, "10145", "东北大学", "辽宁省", "沈阳市", "本科", "080901", "计算机科学与技术", 90, 80])
    text = title + csv_bytes(CATALOGUE_HEADER, [GOOD_CATALOGUE]).decode() + malformed + good_after + "\n"
    loaded = load_landing({"catalogue": {"c.csv": text.encode("gbk")}})
    report = loaded.report("c.csv")
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (3, 2, 1)
    # title row 1, header row 2: data rows are 3, 4 (malformed) and 5
    assert loaded.rows("SELECT source_row, major_code FROM raw.catalogue ORDER BY 1") == [(3, "080902"), (5, "080901")]
    assert [q[1] for q in loaded.quarantine("catalogue")] == [4]


def test_unclosed_quote_rejects_the_file_instead_of_swallowing_rows(load_landing):
    text = csv_bytes(CATALOGUE_HEADER, [GOOD_CATALOGUE]).decode().replace("东北大学", '"东北大学', 1)
    text += ",".join(str(v) for v in GOOD_CATALOGUE).replace("080902", "080901") + "\n"
    loaded = load_landing({"catalogue": {"c.csv": text.encode()}})
    report = loaded.report("c.csv")
    assert report.status == "rejected" and "never closed" in report.message and "line 2" in report.message


def test_a_cell_reads_the_same_whatever_else_its_file_holds(load_landing):
    """Only files that need NFKC folding are folded, so the test for 'needs folding' and the folding must agree
    on every character, even ones newer than Python's Unicode data (U+1CCF1: an outlined digit, Unicode 16)."""
    odd = with_value(GOOD_CATALOGUE, 8, "\U0001CCF1\U0001CCF20")
    full_width = with_value(with_value(GOOD_CATALOGUE, 6, "０８０９０１"), 7, "计算机科学与技术")
    loaded = load_landing({"catalogue": {
        "plain.csv": csv_bytes(CATALOGUE_HEADER, [odd]),
        "with_full_width.csv": csv_bytes(CATALOGUE_HEADER, [odd, full_width]),
    }})
    outcomes = loaded.con.execute(
        "SELECT file, reason FROM raw.catalogue__quarantine ORDER BY file").fetchall()
    assert [reason for _, reason in outcomes] == [outcomes[0][1]] * 2 and len(outcomes) == 2
    # the other file really was folded: its full-width major code loaded as 080901
    assert loaded.con.execute("SELECT major_code FROM raw.catalogue").fetchall() == [("080901",)]


def test_xlsx_columns_mixing_numbers_text_and_blanks_read_as_typed(load_landing):
    """Excel keeps a code typed as a number as a number, and staff mix both in one column; cells of nothing but
    spaces (ASCII or full-width) are empty, and a row of them is layout, not data: it is not counted."""
    rows = [
        CATALOGUE_HEADER,
        [2024, 10145, "东北大学", "辽宁省", "沈阳市", "本科", 80902, "软件工程", 120, 100],
        [2024, "10145", "东北大学", "辽宁省", "沈阳市", "本科", "080910T", "数据科学与大数据技术", "60", "\u3000"],
        [" ", "\u3000", None, "", " \u3000 "],
        [2024, 10145.0, "东北大学", "辽宁省", "沈阳市", "本科", "０８０９０１", "计算机科学与技术", 12.5, 10],
    ]
    loaded = load_landing({"catalogue": {"c.xlsx": xlsx_bytes(rows)}})
    report = loaded.report("c.xlsx")
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (3, 2, 1)
    assert loaded.rows("SELECT source_row, university_code, major_code, enrolment, graduates FROM raw.catalogue "
                       "ORDER BY source_row") == [(2, "10145", "080902", 120, 100), (3, "10145", "080910T", 60, None)]
    # the row below the empty one keeps the number Excel shows, and its fraction is reported as typed
    [(file, row, column, reason)] = loaded.quarantine("catalogue")
    assert (row, column) == (5, "enrolment") and "12.5" in reason
