"""The bad-input matrix, through the real loader: every file staff might send that is not quite right gets a
clear message naming the file (and the row and column, where there is one), nothing crashes the load, and
rows_read = rows_loaded + rows_quarantined for every loaded file. Plus a property test with random garbage.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import string
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sources.kinds import KINDS
from sources.loading import load_kind
from sources.reference_data import REFERENCE_TABLES, load_reference_table, prepare_lookups
from tests.conftest import TEST_KEY, csv_bytes
from tests.test_rules import (
    BASES_HEADER,
    CATALOGUE_HEADER,
    GOOD_BASE,
    GOOD_CATALOGUE,
    GOOD_PLACEMENT,
    PLACEMENT_HEADER,
    SURVEY_HEADER,
    with_value,
)
from warehouse import connection


def xlsx(*sheets: tuple[str, list[list[object]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def text_lines(lines: list[str], ending: str | list[str] = "\n") -> bytes:
    endings = ending if isinstance(ending, list) else [ending] * len(lines)
    return "".join(line + end for line, end in zip(lines, endings, strict=True)).encode("utf-8")


def joined(row: list[object], delimiter: str = ",") -> str:
    return delimiter.join(str(v) for v in row)


def catalogue(major: str, **changes: object) -> list[object]:
    """A good catalogue row for another major (files must differ: identical content loads once)."""
    names = {"080902": "软件工程", "080901": "计算机科学与技术", "080903": "网络工程", "080910T": "数据科学与大数据技术"}
    row = with_value(with_value(GOOD_CATALOGUE, 6, major), 7, names[major])
    for index, value in changes.items():
        row = with_value(row, int(index.removeprefix("c")), value)
    return row


def placement(student: str, start: object, end: object) -> list[object]:
    return with_value(with_value(with_value(GOOD_PLACEMENT, 1, student), 5, start), 6, end)


@dataclass
class Case:
    id: str
    path: str  # kind/file name
    data: bytes
    rejected_because: str | None = None  # part of the message of a file rejected whole
    counts: tuple[int, int, int] | None = None  # (read, loaded, quarantined) of a loaded file
    quarantined: list[tuple[int, str | None, str]] = field(default_factory=list)  # (row, column, reason part)
    note: str | None = None  # part of the load log's message of a loaded file
    check_sql: str | None = None  # a query over raw.<kind> WHERE source_file = $file …
    expected: list[tuple] | None = None  # … and its rows


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
GOOD_XLSX = xlsx(("Sheet1", [CATALOGUE_HEADER, catalogue("080903")]))

CASES = [
    Case("empty file", "catalogue/empty.csv", b"", rejected_because="the file is empty"),
    Case("blank lines only", "catalogue/blank.csv", b"\r\n \n\n", rejected_because="the file is empty"),
    Case("header only", "catalogue/header_only.csv", csv_bytes(CATALOGUE_HEADER, []), counts=(0, 0, 0),
         note="no data rows below the header"),
    Case("header only xlsx", "catalogue/header_only.xlsx", xlsx(("Sheet1", [CATALOGUE_HEADER])), counts=(0, 0, 0),
         note="no data rows below the header"),
    Case("binary with a .csv name", "catalogue/photo.csv", PNG, rejected_because="not a text file"),
    Case("XLSX renamed .csv", "catalogue/workbook.csv", GOOD_XLSX, rejected_because="not a text file"),
    Case("truncated XLSX", "catalogue/truncated.xlsx", GOOD_XLSX[: len(GOOD_XLSX) // 2],
         rejected_because="not a readable XLSX workbook"),
    Case("not an XLSX at all", "catalogue/text.xlsx", b"year,major\n2024,080902\n",
         rejected_because="not a readable XLSX workbook"),
    Case(
        "XLSX data on the second sheet, after a cover sheet",
        "catalogue/cover_sheet.xlsx",
        xlsx(("说明", [["2024年专业目录"], ["填表说明：每行一个专业"]]),
             ("数据", [CATALOGUE_HEADER, catalogue("080901"), catalogue("080901", c8="很多")])),
        counts=(2, 1, 1), quarantined=[(3, "enrolment", "not a whole number: '很多'")], note="read sheet '数据'",
    ),
    Case(
        "XLSX with two data sheets",
        "catalogue/two_sheets.xlsx",
        xlsx(("2024", [CATALOGUE_HEADER, catalogue("080910T")]),
             ("2023", [CATALOGUE_HEADER, catalogue("080910T", c0=2023)])),
        counts=(1, 1, 0), note="sheet '2023' was not read",
    ),
    Case(
        "XLSX with a title row above the header",
        "catalogue/title_row.xlsx",
        xlsx(("目录", [["2024年辽宁省高校本科专业目录"], CATALOGUE_HEADER, catalogue("080902", c1=10145),
                      catalogue("080902", c1="1O145")])),
        counts=(2, 1, 1), quarantined=[(4, "university_code", "unknown university code")],
    ),
    Case(
        "mixed line endings",
        "catalogue/mixed_endings.csv",
        text_lines([joined(CATALOGUE_HEADER), joined(catalogue("080901", c0=2023)),
                    joined(catalogue("080901", c0="二〇二三")), joined(catalogue("080903", c0=2023))],
                   ["\r\n", "\n", "\r\n", "\n"]),
        counts=(3, 2, 1), quarantined=[(3, "year", "not a year")],
    ),
    Case(
        "semicolon delimiter",
        "catalogue/semicolon.csv",
        text_lines([joined(CATALOGUE_HEADER, ";"), joined(catalogue("080903", c0=2023, c8="1,200"), ";"),
                    joined(catalogue("080903", c0=2022, c9=-3), ";")]),
        counts=(2, 1, 1), quarantined=[(3, "graduates", "negative count: -3")],
        check_sql="SELECT enrolment FROM raw.catalogue WHERE source_file = $file", expected=[(1200,)],
    ),
    Case(
        "tab delimiter",
        "catalogue/tabs.txt",
        text_lines([joined(CATALOGUE_HEADER, "\t"), joined(catalogue("080910T", c0=2022), "\t"),
                    joined(catalogue("080910T", c0=2021), "\t") + "\t多出一格"]),
        counts=(2, 1, 1), quarantined=[(3, None, "malformed line")],
    ),
    Case(
        "thousands separators and 人 suffixes",
        "catalogue/units.csv",
        csv_bytes(CATALOGUE_HEADER, [catalogue("080902", c0=2021, c8="1,200", c9="100人"),
                                     catalogue("080902", c0=2020, c8="１，２００人", c9=" 95 "),
                                     catalogue("080902", c0=2019, c8="约100人", c9=90)]),
        counts=(3, 2, 1), quarantined=[(4, "enrolment", "not a whole number: '约100人'")],
        check_sql="SELECT enrolment, graduates FROM raw.catalogue WHERE source_file = $file ORDER BY source_row",
        expected=[(1200, 100), (1200, 95)],
    ),
    Case(
        "Excel dates, serial numbers and written dates in a CSV",
        "placements/dates.csv",
        csv_bytes(PLACEMENT_HEADER, [placement("20240101", "45474", "45535"),
                                     placement("20240102", "2024/7/1", "2024年8月31日"),
                                     placement("20240103", "2024-13-01", "2024-08-31")]),
        counts=(3, 2, 1), quarantined=[(4, "start_date", "not a date: '2024-13-01'")],
        check_sql="SELECT start_date::VARCHAR, end_date::VARCHAR FROM raw.placements WHERE source_file = $file "
                  "ORDER BY source_row",
        expected=[("2024-07-01", "2024-08-31"), ("2024-07-01", "2024-08-31")],
    ),
    Case(
        "Excel date cells and serial numbers in an XLSX",
        "placements/dates.xlsx",
        xlsx(("Sheet1", [PLACEMENT_HEADER,
                         placement("20240201", dt.datetime(2024, 7, 1), dt.datetime(2024, 8, 31)),
                         placement("20240202", 45474, 45535.0),
                         placement("20240203", dt.datetime(2024, 7, 1), "下个月")])),
        counts=(3, 2, 1), quarantined=[(4, "end_date", "not a date: '下个月'")],
        check_sql="SELECT start_date::VARCHAR, end_date::VARCHAR FROM raw.placements WHERE source_file = $file "
                  "ORDER BY source_row",
        expected=[("2024-07-01", "2024-08-31"), ("2024-07-01", "2024-08-31")],
    ),
    Case(
        "a row with too few cells",
        "catalogue/short_row.csv",
        text_lines([joined(CATALOGUE_HEADER), joined(catalogue("080901", c0=2019)), "2019,10145,东北大学"]),
        counts=(2, 1, 1), quarantined=[(3, None, "malformed line")],
    ),
]


def load_files(root: Path, files: dict[str, bytes]) -> tuple[duckdb.DuckDBPyConnection, dict, object]:
    landing = root / "landing"
    for name, data in files.items():
        (landing / name).parent.mkdir(parents=True, exist_ok=True)
        (landing / name).write_bytes(data)
    manager = connection.writer(root / "build.duckdb")
    con = manager.__enter__()
    for table in REFERENCE_TABLES:
        load_reference_table(con, table, landing)
    prepare_lookups(con)
    reports = {}
    for kind in KINDS.values():
        reports.update({r.file: r for r in load_kind(con, kind, landing, TEST_KEY)})
    return con, reports, manager


@pytest.fixture(scope="module")
def matrix(tmp_path_factory, csv_reads):
    files = {case.path: case.data for case in CASES}
    files["bases/b.csv"] = csv_bytes(BASES_HEADER, [GOOD_BASE])
    con, reports, manager = load_files(tmp_path_factory.mktemp("matrix"), files)
    yield con, reports
    manager.__exit__(None, None, None)


def test_every_case_has_its_own_file():
    assert len({c.path for c in CASES}) == len(CASES) and len({c.data for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, matrix):
    con, reports = matrix
    report = reports[case.path]
    kind = case.path.split("/")[0]
    if case.rejected_because:
        assert report.status == "rejected", report.line()
        assert case.path in report.message and case.rejected_because in report.message
        assert report.line().startswith(f"{case.path}: REJECTED: ")
        return
    assert report.status == "loaded", report.line()
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == case.counts
    in_raw = con.execute(f"SELECT count(*) FROM raw.{kind} WHERE source_file = ?", [case.path]).fetchone()[0]
    quarantined = con.execute(
        f"SELECT source_row, column_name, reason FROM raw.{kind}__quarantine WHERE file = ? ORDER BY source_row",
        [case.path]).fetchall()
    assert report.rows_read == report.rows_loaded + report.rows_quarantined
    assert (in_raw, len(quarantined)) == (report.rows_loaded, report.rows_quarantined)
    for (row, column, reason), (want_row, want_column, want_reason) in zip(
            quarantined, case.quarantined, strict=True):
        assert (row, column) == (want_row, want_column) and want_reason in reason, (row, column, reason)
    if case.note:
        assert case.note in report.message, report.message
    if case.check_sql:
        assert con.execute(case.check_sql, {"file": case.path}).fetchall() == case.expected


# --- random garbage --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def garbage_loader(tmp_path_factory, csv_reads):
    """Load one landing file at a time into one build database (reference data loaded once). Each landing
    folder replaces the one before, whose file the loader reports as removed."""
    root = tmp_path_factory.mktemp("garbage")
    con, _, manager = load_files(root, {})
    counter = iter(range(10**9))

    def load(kind: str, name: str, data: bytes):
        landing = root / f"landing{next(counter)}"
        (landing / kind).mkdir(parents=True)
        (landing / kind / name).write_bytes(data)
        [report] = [r for r in load_kind(con, KINDS[kind], landing, TEST_KEY) if r.status != "removed"]
        return con, report

    yield load
    manager.__exit__(None, None, None)


def assert_accounted(con, kind: str, report) -> None:
    if report.status == "rejected":
        assert report.message.startswith(report.file), report.message
        return
    in_raw = con.execute(f"SELECT count(*) FROM raw.{kind}").fetchone()[0]
    in_quarantine = con.execute(f"SELECT count(*) FROM raw.{kind}__quarantine").fetchone()[0]
    assert report.rows_read == report.rows_loaded + report.rows_quarantined
    assert (in_raw, in_quarantine) == (report.rows_loaded, report.rows_quarantined)


CELL = st.one_of(
    st.text(alphabet=string.printable + "年月日人元、，；０１２３４５６７８９东北大学软件工程\u3000", max_size=12),
    st.sampled_from(["2024", "10145", "080902", "1,200", "100人", "45474", "", " ", "-5", "辽宁省", "沈阳市", "本科"]),
)
HEADERS = {"catalogue": CATALOGUE_HEADER, "survey": SURVEY_HEADER, "placements": PLACEMENT_HEADER}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(HEADERS)), rows=st.lists(st.lists(CELL, max_size=14), max_size=12),
       delimiter=st.sampled_from([",", ";", "\t"]), ending=st.sampled_from(["\n", "\r\n"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_random_malformed_rows_are_all_accounted_for(garbage_loader, kind, rows, delimiter, ending, encoding):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=ending)
    writer.writerow(HEADERS[kind])
    writer.writerows(rows)
    con, report = garbage_loader(kind, "random.csv", buffer.getvalue().encode(encoding))
    assert_accounted(con, kind, report)
    plain = not any(ch in cell for row in rows for cell in row for ch in "\r\n")
    if report.status == "loaded" and plain:
        # a ragged or garbage row is still a row: every line below the header was read (empty lines are layout)
        assert report.rows_read == sum(1 for row in rows if row), report.line()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(HEADERS)), data=st.binary(max_size=400),
       suffix=st.sampled_from([".csv", ".xlsx", ".txt"]), with_header=st.booleans())
def test_random_bytes_never_escape_the_loader(garbage_loader, kind, data, suffix, with_header):
    head = (",".join(HEADERS[kind]) + "\n").encode() if with_header else b""
    con, report = garbage_loader(kind, f"random{suffix}", head + data)
    assert_accounted(con, kind, report)
