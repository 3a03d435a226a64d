"""Personal data in the shapes people write it: ID and mobile numbers with separators, a country code or a word
glued to them, old 15-digit ID numbers, e-mail addresses; found and masked alike by the SQL macros (loading,
the scan) and by Python (file and sheet names, header cells, messages), and never mistaken for the codes,
pseudonyms, dates and amounts a build is made of. Then where such values can hide: in file names, sheet names,
header cells, the cells of a malformed line, and under other header spellings; and what a failed scan says."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
import uuid

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sources.pseudonymise import mask_personal_text, personal_data_macros_sql, stored_file_names
from tests.conftest import csv_bytes
from tests.test_bad_inputs import xlsx
from tests.test_rules import (
    BASES_HEADER,
    GOOD_BASE,
    GOOD_PLACEMENT,
    GOOD_SURVEY,
    PLACEMENT_HEADER,
    SURVEY_HEADER,
    with_value,
)
from warehouse.privacy import find_personal_data

M = "〔已删除 removed〕"  # what a masked value reads as


@pytest.fixture(scope="module")
def sql():
    con = duckdb.connect()
    con.execute(personal_data_macros_sql())
    yield con
    con.close()


def sql_has(sql, text: str) -> bool:
    return sql.execute("SELECT has_personal_value(?)", [text]).fetchone()[0]


def sql_mask(sql, text: str) -> str:
    return sql.execute("SELECT mask_personal(?)", [text]).fetchone()[0]


# --- the shapes, one by one ------------------------------------------------------------------------
# (as written, as the warehouse keeps it)
SHAPES = [
    ("13912345678", M),
    ("139-1234-5678", M),
    ("139 1234 5678", M),
    ("139.1234.5678", M),
    ("1391234 5678", M),
    ("+86 139 1234 5678", f"+{M}"),
    ("+8613912345678", f"+{M}"),
    ("008613912345678", M),
    ("0086-139-1234-5678", M),
    ("86-13912345678", M),
    ("(0086)13912345678", f"(0086){M}"),
    ("tel13912345678", f"tel{M}"),
    ("Tel:13912345678", f"Tel:{M}"),
    ("mobile13912345678", f"mobile{M}"),
    ("PHONE 139-1234-5678", f"PHONE {M}"),
    ("电话:139-1234-5678", f"电话:{M}"),
    ("手机１３９１２３４５６７８", f"手机{M}"),  # full-width digits: NFKC first
    ("联系人张三13912345678，李四13812345678", f"联系人张三{M},李四{M}"),
    ("13912345678 13812345678 13712345678", f"{M} {M} {M}"),
    ("110101199003071234", M),
    ("11010119900307123X", M),
    ("ID110101199003071234", f"ID{M}"),
    ("idcard:11010119900307123x", f"idcard:{M}"),
    ("身份证110101199003071234号", f"身份证{M}号"),
    ("110101 19900307 1234", M),
    ("110101-1990-0307-123X", M),
    ("1101 0119 9003 0712 34", M),
    ("身份证号码：２１０１０２２００１０１０１１２３Ｘ", f"身份证号码:{M}"),
    ("110101900307123", M),  # first generation: 15 digits, 2-digit year
    ("老身份证 110101 900307 123", f"老身份证 {M}"),
    ("zhang.san@163.com", M),
    ("邮箱：li_si+intern@company.com.cn。", f"邮箱:{M}。"),
    ("Ｚｈａｎｇ＠ｑｑ．ｃｏｍ", M),
    ("13912345678@139.com", f"{M}@139.com"),
    # dashes NFKC leaves as they are, other separators, a zero-width space, an ideographic full stop
    ("139\u20141234\u20145678", M),
    ("139\u20111234\u20115678", M),
    ("139 - 1234 - 5678", M),
    ("139/1234/5678", M),
    ("139_1234_5678", M),
    ("139~1234~5678", M),
    ("139,1234,5678", M),
    ("139\u200b12345678", M),
    ("110101\u200b19900307\u200b1234", M),
    ("zhang.san@163。com", M),
]


@pytest.mark.parametrize(("written", "kept"), SHAPES, ids=[s for s, _ in SHAPES])
def test_each_shape_is_found_and_masked_in_sql_and_python_alike(sql, written, kept):
    folded = unicodedata.normalize("NFKC", written)  # as every cell is folded before it is checked or kept
    assert sql_has(sql, folded)
    assert sql_mask(sql, folded) == kept
    assert mask_personal_text(written) == kept
    assert not sql_has(sql, kept)


# what a build is made of, and must never be taken for personal data (a false finding stops the build)
NOT_PERSONAL = [
    "91210100MA0AB1C01X", "91210100MA0XXXXXXX",
    "911101190103051234", "922101190103051234",  # credit codes of old, all-digit organisation codes
    "080902", "080910T", "10145", "4121010145", "JD-10145-001", "I65",
    "2024-03-05", "2024/3/5", "20240305", "2024年3月5日", "2024-03-05T08:30:00", "2024-03-05 至 2024-06-30",
    "2024.03.05-2024.06.30", "2023-2024", "2024", "45474", "4500.00", "1,234,567.89", "4500-6000元/月", "120人",
    "0.13912345678", "营业额 1391234567 元",
    "GB 16895.21-2011", "GB/T 19001-2016", "GB/T 4754-2017", "ISO 9001:2015",
    "13207-080902", "10145 080902 2024", "120102 130101 080902", "1998.03.05 300人",
    "213912345678", "139123456789", "1391234567", "12345678901", "第139-1234-56789号",
    "8c1e1391-2345-6789-abcd-139123456789", "13912345-6789-4abc-8def-139123456789",
    "a" + "1" * 20 + "b" * 43, "13912345678" + "a" * 53, "ab13912345678", "d110101199003071234",
    "placements/liaoning_2024_placements.csv", "survey/liaoning_2021_survey.csv#123",
    "user@localhost", "@qq.com", "同城沈阳市；企业需求 12.5 人", "Java开发工程师（Spring Boot）",
]


@pytest.mark.parametrize("value", NOT_PERSONAL)
def test_codes_pseudonyms_dates_and_amounts_are_not_personal(sql, value):
    assert not sql_has(sql, value)
    assert mask_personal_text(value) == value


# --- the shapes, generated ---------------------------------------------------------------------------
# (a separator from the tables of characters people put between digits: dashes, /, _, a zero-width space)
SEPARATOR = st.sampled_from(["", "", " ", "-", ".", "/", "_", "~", ",", "\u2014", "\u2011", "\u200b"])
BEFORE = st.sampled_from(["", "电话", "手机：", "tel", "Tel:", "TEL ", "mobile", "phone", "ID", "id:", "身份证",
                          "联系人 张三 ", "(", "，", "No."])
AFTER = st.sampled_from(["", "。", " ", ")", "号", "，张三", "/", "；备注"])


@st.composite
def mobile_numbers(draw) -> tuple[str, str]:
    """(the number as written, its 11 digits)"""
    digits = "1" + draw(st.sampled_from("3456789")) + "".join(draw(st.lists(st.sampled_from("0123456789"),
                                                                            min_size=9, max_size=9)))
    country = draw(st.sampled_from(["", "+86", "+86 ", "0086", "0086-", "86-", "86"]))
    group = st.one_of(SEPARATOR, st.sampled_from([" - ", " / "]))
    written = country + digits[:3] + draw(group) + digits[3:7] + draw(group) + digits[7:]
    return written, digits


@st.composite
def id_numbers(draw) -> tuple[str, str]:
    """(the number as written, its digits): 18 digits, or the 15-digit first generation"""
    area = draw(st.sampled_from(["110101", "210102", "220104", "230103", "130102", "440305", "650102"]))
    born = draw(st.dates(dt.date(1930, 1, 1), dt.date(2012, 12, 31)))
    serial = f"{draw(st.integers(0, 999)):03d}"
    if draw(st.booleans()):
        digits = area + born.strftime("%Y%m%d") + serial + draw(st.sampled_from("0123456789X"))
    else:
        digits = area + born.strftime("%y%m%d") + serial
    gaps = draw(st.lists(SEPARATOR, min_size=len(digits) - 1, max_size=len(digits) - 1))
    return digits[0] + "".join(gap + d for gap, d in zip(gaps, digits[1:], strict=True)), digits


@st.composite
def email_addresses(draw) -> tuple[str, str]:
    local = draw(st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,12}", fullmatch=True))
    domain = draw(st.sampled_from(["qq.com", "163.com", "gmail.com", "company.com.cn", "139.com", "edu.cn"]))
    return f"{local}@{domain}", local


def digits_of(text: str) -> str:
    return re.sub(r"[^0-9Xx]", "", text)


@settings(max_examples=300, deadline=None)
@given(number=st.one_of(mobile_numbers(), id_numbers()), before=BEFORE, after=AFTER, wide=st.booleans())
def test_any_written_number_is_found_and_its_digits_masked(sql, number, before, after, wide):
    written, digits = number
    text = before + written + after
    if wide:  # typed with a Chinese input method: full-width digits
        text = text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    folded = unicodedata.normalize("NFKC", text)
    assert sql_has(sql, folded), text
    masked = sql_mask(sql, folded)
    assert masked == mask_personal_text(text)
    assert digits not in digits_of(masked) and M in masked, masked
    assert not sql_has(sql, masked)


@settings(max_examples=200, deadline=None)
@given(address=email_addresses(), before=BEFORE, after=AFTER)
def test_any_email_address_is_found_and_masked(sql, address, before, after):
    written, _ = address
    text = unicodedata.normalize("NFKC", before + written + after)
    assert sql_has(sql, text), text
    masked = sql_mask(sql, text)
    assert masked == mask_personal_text(text) and written not in masked
    assert not sql_has(sql, masked)


USCC_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@st.composite
def not_personal(draw) -> str:
    kind = draw(st.sampled_from(["uuid", "sha256", "uscc", "date", "amount", "count", "codes", "base"]))
    if kind == "uuid":
        return str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1))))
    if kind == "sha256":
        return hashlib.sha256(draw(st.binary(max_size=16))).hexdigest()
    if kind == "uscc":  # enterprises (9x), their organisation code letters and digits
        return (draw(st.sampled_from(["91", "92", "93"])) + draw(st.sampled_from(["210100", "220100", "230100"]))
                + "".join(draw(st.lists(st.sampled_from(USCC_CHARACTERS), min_size=10, max_size=10))))
    if kind == "date":
        day = draw(st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)))
        return day.strftime(draw(st.sampled_from(["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"])))
    if kind == "amount":
        return f"{draw(st.floats(0, 1e7, allow_nan=False)):,.2f}" + draw(st.sampled_from(["", "元", " 元/月"]))
    if kind == "count":
        return f"{draw(st.integers(0, 100_000))}" + draw(st.sampled_from(["", "人", "名"]))
    if kind == "codes":  # major and university codes, as lists and keys are written
        majors = [f"0{draw(st.integers(10000, 99999))}" for _ in range(draw(st.integers(1, 3)))]
        return draw(st.sampled_from(["、", ",", "/", "-"])).join(majors)
    return f"JD-{draw(st.integers(10000, 14999))}-{draw(st.integers(1, 999)):03d}"


@settings(max_examples=300, deadline=None)
@given(value=not_personal(), before=st.sampled_from(["", "需求 ", "基地 ", "（", "\""]),
       after=st.sampled_from(["", " 人", "）", "\""]))
def test_codes_pseudonyms_dates_and_amounts_are_never_personal(sql, value, before, after):
    text = before + value + after
    assert not sql_has(sql, text), text
    assert mask_personal_text(text) == text


# --- file names ----------------------------------------------------------------------------------
def test_file_names_are_masked_and_told_apart():
    names = ["placements/张三_13912345678.csv", "placements/李四_13812345678.csv", "placements/13912345678.csv",
             "placements/13812345678.csv", "placements/liaoning_2024.csv", "placements/zhang@qq.com.xlsx",
             "placements/13712345678/p.csv", "placements/hr@company.xlsx"]
    stored = stored_file_names(names)
    assert stored == {
        "placements/张三_13912345678.csv": f"placements/张三_{M}.csv",
        "placements/李四_13812345678.csv": f"placements/李四_{M}.csv",
        "placements/13812345678.csv": f"placements/{M}.csv",
        "placements/13912345678.csv": f"placements/{M} (2).csv",
        "placements/liaoning_2024.csv": "placements/liaoning_2024.csv",
        "placements/zhang@qq.com.xlsx": f"placements/{M}.xlsx",
        "placements/13712345678/p.csv": f"placements/{M}/p.csv",
        "placements/hr@company.xlsx": f"placements/{M}",  # the whole name has the shape of an e-mail address
    }
    assert all(mask_personal_text(shown) == shown for shown in stored.values())  # nothing left to mask
    # a set of names always maps the same way, whatever order it comes in
    assert stored_file_names(reversed(names)) == stored


# --- where personal values hide in what is loaded ------------------------------------------------------
def text_values(con: duckdb.DuckDBPyConnection) -> str:
    """Every text and JSON value of every table of the build database, one per line."""
    parts = []
    for schema, table, column in con.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE database_name = "
            "current_database() AND data_type IN ('VARCHAR', 'JSON')").fetchall():
        parts += [str(v) for (v,) in con.execute(
            f'SELECT DISTINCT "{column}"::VARCHAR FROM {schema}."{table}" WHERE "{column}" IS NOT NULL').fetchall()]
    return "\n".join(parts)


def test_a_personal_value_in_a_file_name_is_masked_wherever_the_file_is_named(load_landing):
    second = with_value(GOOD_PLACEMENT, 1, "20240002")
    loaded = load_landing({
        "bases": {"b.csv": csv_bytes(BASES_HEADER, [GOOD_BASE])},
        "placements": {"张三_13912345678.csv": csv_bytes(PLACEMENT_HEADER, [GOOD_PLACEMENT]),
                       "李四 110101199003071234.xlsx": xlsx(("Sheet1", [PLACEMENT_HEADER, second])),
                       "139-1234-5678.csv": csv_bytes(PLACEMENT_HEADER, [GOOD_PLACEMENT]) + b"\n"}})
    assert {r.file: (r.status, r.rows_loaded) for r in loaded.reports} == {
        "bases/b.csv": ("loaded", 1), f"placements/张三_{M}.csv": ("loaded", 1),
        f"placements/李四 {M}.xlsx": ("loaded", 1), f"placements/{M}.csv": ("loaded", 1)}
    stored = text_values(loaded.con)
    assert f"placements/张三_{M}.csv" in stored  # the rows are there, under the masked name
    printed = "\n".join(r.line() for r in loaded.reports)
    for value in ("13912345678", "110101199003071234", "139-1234-5678"):
        assert value not in stored and value not in printed
    assert find_personal_data(loaded.con) == []


def test_sheet_names_and_unknown_headers_are_masked_in_the_load_log(load_landing):
    workbook = xlsx(("说明", [["填表说明"]]),
                    ("张三13912345678", [PLACEMENT_HEADER + ["备注110101199003071234"], GOOD_PLACEMENT + ["无"]]))
    loaded = load_landing({"bases": {"b.csv": csv_bytes(BASES_HEADER, [GOOD_BASE])},
                           "placements": {"p.xlsx": workbook}})
    report = loaded.report("p.xlsx")
    assert report.status == "loaded" and report.rows_loaded == 1
    assert f"read sheet '张三{M}'" in report.message and f"ignored unknown column(s): 备注{M}" in report.message
    everything = text_values(loaded.con) + report.line()
    assert "13912345678" not in everything and "110101199003071234" not in everything


def malformed_raw_row(loaded, kind: str) -> str:
    [(raw_row,)] = loaded.rows(f"SELECT raw_row::VARCHAR FROM raw.{kind}__quarantine WHERE column_name IS NULL")
    return raw_row


def test_a_malformed_lines_extra_and_unknown_cells_are_not_kept(load_landing):
    # a survey with a contact person's column the contract does not have, and a line with an extra cell
    header = SURVEY_HEADER + ["联系人"]
    text = csv_bytes(header, [GOOD_SURVEY + ["赵六"]]).decode()
    text += ",".join(map(str, with_value(GOOD_SURVEY, 6, "Python开发") + ["钱七", "备注 王五 手机138 1234 5678"])) + "\n"
    loaded = load_landing({"survey": {"s.csv": text.encode()}})
    report = loaded.report("s.csv")
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (2, 1, 1)
    raw_row = malformed_raw_row(loaded, "survey")
    assert "Python开发" in raw_row and "沈阳某软件有限公司" in raw_row  # the contract's cells
    assert "王五" not in raw_row and "钱七" not in raw_row and "1234" not in raw_row


def test_a_malformed_line_never_keeps_a_personal_cell_even_shifted(load_landing):
    # an unquoted comma in a name moves every cell after it one place right: the name's second half lands
    # under the university code, the ID number under the phone, the phone under the major code
    header = PLACEMENT_HEADER[:2] + ["姓名", "身份证号", "手机号"] + PLACEMENT_HEADER[2:]
    personal = ["欧阳,娜娜", "110101200001011234", "13912345678"]
    lines = [",".join(map(str, GOOD_PLACEMENT[:2] + personal + GOOD_PLACEMENT[2:])),  # one cell too many
             ",".join(map(str, GOOD_PLACEMENT[:1] + ["20240002", "张三", "110101200001011234"]))]  # too few
    text = csv_bytes(header, []).decode() + "\n".join(lines) + "\n"
    loaded = load_landing({"bases": {"b.csv": csv_bytes(BASES_HEADER, [GOOD_BASE])},
                           "placements": {"p.csv": text.encode()}})
    report = loaded.report("p.csv")
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (2, 0, 2)
    raw_rows = [r for (r,) in loaded.rows("SELECT raw_row::VARCHAR FROM raw.placements__quarantine")]
    assert len(raw_rows) == 2 and all(r is not None for r in raw_rows)
    for raw_row in raw_rows:
        for value in ("欧阳", "娜娜", "张三", "110101200001011234", "13912345678", "20240001", "20240002"):
            assert value not in raw_row, raw_row
    assert "2024-08-31" in raw_rows[0]  # far enough right of the personal cells to be kept


def test_a_malformed_line_keeps_the_students_pseudonym_not_the_number(load_landing):
    import hmac

    from tests.conftest import TEST_KEY

    line = ",".join(map(str, with_value(GOOD_PLACEMENT, 1, "20240002"))) + ",多出的一格"
    text = csv_bytes(PLACEMENT_HEADER, [GOOD_PLACEMENT]).decode() + line + "\n"
    loaded = load_landing({"bases": {"b.csv": csv_bytes(BASES_HEADER, [GOOD_BASE])},
                           "placements": {"p.csv": text.encode()}})
    raw_row = malformed_raw_row(loaded, "placements")
    pseudonym = str(uuid.UUID(hmac.new(TEST_KEY, b"10145:20240002", hashlib.sha256).hexdigest()[:32]))
    assert pseudonym in raw_row and "20240002" not in raw_row and "多出的一格" not in raw_row
    assert "JD001" in raw_row and "留用" in raw_row


def test_personal_columns_under_other_headers_are_recognised_and_never_read(load_landing):
    header = PLACEMENT_HEADER[:2] + ["名字", "证件号码", "联系方式", "电子邮箱", "E-mail"] + PLACEMENT_HEADER[2:]
    row = GOOD_PLACEMENT[:2] + ["张三", "110101200001011234", "13912345678", "zhang@qq.com", "z@163.com"] \
        + GOOD_PLACEMENT[2:]
    loaded = load_landing({"bases": {"b.csv": csv_bytes(BASES_HEADER, [GOOD_BASE])},
                           "placements": {"p.csv": csv_bytes(header, [row])}})
    report = loaded.report("p.csv")
    assert report.rows_loaded == 1 and "unknown column" not in report.message, report.message
    stored = text_values(loaded.con)
    assert not any(v in stored for v in ("张三", "110101200001011234", "13912345678", "zhang@qq.com", "z@163.com"))


@pytest.mark.parametrize(("kind", "index", "cell", "value"), [
    ("survey", 6, "Java开发，简历发 hr.zhang@company.com", "hr.zhang@company.com"),
    ("survey", 6, "Java开发 联系 139-1234-5678", "139-1234-5678"),
    ("survey", 2, "沈阳某软件有限公司 tel13912345678", "13912345678"),
    ("bases", 1, "实习基地（联系人身份证 110101 19900307 1234）", "110101 19900307 1234"),
    ("bases", 1, "实习基地 老身份证号110101900307123", "110101900307123"),
])
def test_personal_values_in_free_text_are_quarantined_masked(load_landing, kind, index, cell, value):
    header, good = {"survey": (SURVEY_HEADER, GOOD_SURVEY), "bases": (BASES_HEADER, GOOD_BASE)}[kind]
    bad = with_value(with_value(good, 0, "JD002") if kind == "bases" else with_value(good, 0, 2023), index, cell)
    loaded = load_landing({kind: {"f.csv": csv_bytes(header, [good, bad])}})
    [(_, row, column, reason)] = loaded.quarantine(kind)
    assert row == 3 and "personal data must not be sent" in reason
    assert value not in text_values(loaded.con)
    [(raw_row,)] = loaded.rows(f"SELECT raw_row::VARCHAR FROM raw.{kind}__quarantine")
    assert M in raw_row


def test_a_full_width_number_quoted_in_a_reason_is_masked(load_landing):
    # a code cell is quoted as written in the reason it is quarantined with: folded before it is masked
    wide = "１３９１２３４５６７８"
    loaded = load_landing({"survey": {"s.csv": csv_bytes(SURVEY_HEADER, [GOOD_SURVEY, with_value(
        with_value(GOOD_SURVEY, 0, 2023), 5, f"沈阳{wide}")])}})
    [(_, row, column, reason)] = loaded.quarantine("survey")
    assert (row, column) == (3, "city") and reason.startswith("unknown city") and M in reason
    stored = text_values(loaded.con)
    assert wide not in stored and "13912345678" not in stored
