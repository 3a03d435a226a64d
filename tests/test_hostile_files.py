"""Files made to break the readers, each as a class of its shapes (issue 23, "A single file stops every build"):
a workbook whose cells would take more memory than any machine has, a CSV cell longer than Python's csv module
splits, UTF-16 text, control characters in cells. For each: the load goes on, the file is named with its
reason (or the row is quarantined with its column), the good files beside it load, and the counts add up.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sources import loading
from sources import settings as portal_settings
from sources.workbook_guard import WorkbookRefused, check_workbook, column_letters
from tests.conftest import csv_bytes
from tests.test_rules import CATALOGUE_HEADER, GOOD_CATALOGUE, with_value

REPO = Path(__file__).resolve().parent.parent


def catalogue_rows(n: int, first: int = 100) -> list[list[object]]:
    """n good catalogue rows, all different: enrolments first, first + 1, …"""
    return [with_value(GOOD_CATALOGUE, 8, first + i) for i in range(n)]


def assert_accounted(loaded, kind: str = "catalogue") -> None:
    """Every loaded file's rows add up, and raw tables hold exactly what the reports say."""
    for report in loaded.reports:
        if report.status != "loaded" or report.kind != kind:
            continue
        assert report.rows_read == report.rows_loaded + report.rows_quarantined, report.line()
        [(in_raw,)] = loaded.rows(f"SELECT count(*) FROM raw.{kind} WHERE source_file = '{report.file}'")
        [(in_quarantine,)] = loaded.rows(f"SELECT count(*) FROM raw.{kind}__quarantine WHERE file = '{report.file}'")
        assert (in_raw, in_quarantine) == (report.rows_loaded, report.rows_quarantined), report.line()


def assert_rejected(loaded, name: str, *reason_parts: str) -> None:
    report = loaded.report(name)
    assert report.status == "rejected", report.line()
    assert report.line().startswith(f"{report.file}: REJECTED: {report.file}: "), report.line()
    for part in reason_parts:
        assert part in report.message, report.message
    # none of its rows is anywhere
    assert loaded.rows(f"SELECT count(*) FROM raw.catalogue WHERE source_file = '{report.file}'") == [(0,)]
    assert loaded.rows(f"SELECT count(*) FROM raw.catalogue__quarantine WHERE file = '{report.file}'") == [(0,)]


# --- XLSX written by hand: every part as a hostile writer might write it ------------------------------------
_CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                  b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                  b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
                  b'"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
                  b'main+xml"/></Types>')
_ROOT_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
              b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
              b'2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKSHEET = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
              b'2006/main">%s<sheetData>%s</sheetData></worksheet>')


def raw_xlsx(parts: list[bytes], sheets: list[tuple[str, int]] | None = None, dimension: bytes | None = None,
             extra: dict[str, bytes] | None = None) -> bytes:
    """A workbook of worksheet parts (each the XML inside <sheetData>); `sheets` lists (sheet name, part index),
    by default one sheet per part."""
    sheets = sheets or [(f"Sheet{i + 1}", i) for i in range(len(parts))]
    workbook = (b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                b'relationships"><sheets>'
                + b"".join(b'<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (name.encode(), i + 1, part + 1)
                           for i, (name, part) in enumerate(sheets))
                + b"</sheets></workbook>")
    rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            b'2006/relationships">'
            + b"".join(b'<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                       b'relationships/worksheet" Target="worksheets/sheet%d.xml"/>' % (i + 1, i + 1)
                       for i in range(len(parts)))
            + b"</Relationships>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        for i, part in enumerate(parts):
            declared = b'<dimension ref="%s"/>' % dimension if dimension else b""
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", _WORKSHEET % (declared, part))
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buffer.getvalue()


def cell(address: str, value: object) -> bytes:
    if isinstance(value, int | float):
        return b'<c r="%s"><v>%s</v></c>' % (address.encode(), str(value).encode())
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").encode()
    return b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (address.encode(), text)


def sheet_rows(rows: list[list[object]], first_row: int = 1) -> bytes:
    return b"".join(
        b'<row r="%d">' % (first_row + i)
        + b"".join(cell(f"{chr(65 + j)}{first_row + i}", v) for j, v in enumerate(row))
        + b"</row>"
        for i, row in enumerate(rows))


TABLE = sheet_rows([CATALOGUE_HEADER, *catalogue_rows(2)])

def bombs() -> list[tuple[str, bytes, str]]:
    """(file name, bytes, a part of the reason) of workbooks that would each have calamine allocate far more than
    the 3 GiB the test process may use (or read one part a thousand times). Made when needed, not on import: some
    take a second to write."""
    return [
        # the issue's own: one cell, at the sheet's last address, and a dimension saying so
        ("far_cell.xlsx", raw_xlsx([sheet_rows([CATALOGUE_HEADER]) + b'<row r="1048576">'
                                    + cell("XFD1048576", "x") + b"</row>"], dimension=b"A1:XFD1048576"),
         "column XFD, row 1,048,576"),
        # a dimension that says the sheet is small, data that is not
        ("small_dimension.xlsx", raw_xlsx([TABLE + b'<row r="900000">' + cell("AZZ900000", 1) + b"</row>"],
                                          dimension=b"A1:J3"),
         "column AZZ, row 900,000"),
        # no dimension; a huge empty area between the table and one stray cell
        ("empty_area.xlsx", raw_xlsx([TABLE + b'<row r="1000000">' + cell("Z1000000", 1) + b"</row>"]),
         "column Z, row 1,000,000"),
        # cells without addresses: calamine places each after the one before
        ("no_addresses.xlsx", raw_xlsx([TABLE + b'<row r="1048576">' + b"<c><v>1</v></c>" * 16384 + b"</row>"]),
         "column XFD, row 1,048,576"),
        # rows without addresses, one after the other
        ("unnumbered_rows.xlsx", raw_xlsx([TABLE + b"<row/>" * 1_048_000 + b"<row>" + b"<c><v>1</v></c>" * 40
                                           + b"</row>"]),
         "row 1,048,004"),
        # namespace prefixes, lower-case and single-quoted addresses, the address not the first attribute
        ("odd_spelling.xlsx",
         raw_xlsx([TABLE + b"<x:row r='5'><x:c s=\"0\" r='xfd1048576'><x:v>1</x:v></x:c></x:row>"]),
         "column XFD, row 1,048,576"),
        # an address past any spreadsheet's grid (calamine's u32 would wrap)
        ("past_the_grid.xlsx", raw_xlsx([TABLE + b'<row r="4">' + cell("A99999999999", 1) + b"</row>"]),
         "beyond the last row and column of any spreadsheet"),
        # a thousand sheets naming one part of ~5 MB
        ("many_sheets.xlsx", raw_xlsx([TABLE + sheet_rows([[i] * 10 for i in range(20_000)], first_row=4)],
                                      sheets=[(f"S{i}", 0) for i in range(1000)]),
         "1,000 sheets"),
        # a part that inflates a thousand times its file's size (a zip bomb)
        ("zip_bomb.xlsx", raw_xlsx([TABLE], extra={"xl/sharedStrings.xml": b" " * (100 << 20)}),
         "times the file's size"),
    ]


_LOAD_UNDER_LIMIT = textwrap.dedent("""
    import json, resource, sys
    from pathlib import Path
    limit = int(sys.argv[3])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from sources.kinds import KINDS
    from sources.loading import load_kind
    from sources.reference_data import REFERENCE_TABLES, load_reference_table, prepare_lookups
    from warehouse import connection
    landing, database = Path(sys.argv[1]), Path(sys.argv[2])
    with connection.writer(database) as con:
        for table in REFERENCE_TABLES:
            load_reference_table(con, table, landing)
        prepare_lookups(con)
        reports = load_kind(con, KINDS["catalogue"], landing, b"test-only pseudonymisation key")
        in_raw = dict(con.execute("SELECT source_file, count(*) FROM raw.catalogue GROUP BY ALL").fetchall())
    print(json.dumps([[r.file, r.status, r.message, r.rows_read, r.rows_loaded, r.rows_quarantined,
                       in_raw.get(r.file, 0)] for r in reports]))
""")


def test_workbooks_that_would_take_all_memory_are_rejected_by_a_load_under_a_memory_limit(tmp_path):
    """The load runs in a process that may use 3 GiB: a workbook that slipped past the checks would abort it."""
    landing = tmp_path / "landing"
    (landing / "catalogue").mkdir(parents=True)
    hostile = bombs()
    for name, data, _ in hostile:
        (landing / "catalogue" / name).write_bytes(data)
    (landing / "catalogue" / "good.xlsx").write_bytes(raw_xlsx([TABLE]))
    (landing / "catalogue" / "good.csv").write_bytes(csv_bytes(CATALOGUE_HEADER, catalogue_rows(3, 200)))
    env = {**os.environ, "PYTHONPATH": str(REPO), "PORTAL_DUCKDB_MEMORY_LIMIT": "1GB"}
    done = subprocess.run([sys.executable, "-c", _LOAD_UNDER_LIMIT, str(landing), str(tmp_path / "build.duckdb"),
                           str(3 << 30)], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    reports = {file.removeprefix("catalogue/"): (status, message, counts)
               for file, status, message, *counts in json.loads(done.stdout.splitlines()[-1])}
    for name, _, reason in hostile:
        status, message, _ = reports[name]
        assert status == "rejected" and message.startswith(f"catalogue/{name}: ") and reason in message, (name,
                                                                                                          message)
        assert "\n" not in message
    assert reports["good.xlsx"] == ("loaded", "", [2, 2, 0, 2])
    assert reports["good.csv"] == ("loaded", "", [3, 3, 0, 3])


def test_a_workbook_with_a_title_row_and_a_stray_blank_far_below_loads_as_before(load_landing):
    """What the checks let through is read as it was: the header below a title row, a blank cell as layout."""
    rows = [CATALOGUE_HEADER, *catalogue_rows(3)]
    part = b'<row r="1">' + cell("A1", "2024年专业目录") + b"</row>" + sheet_rows(rows, first_row=3)
    part += b'<row r="2000">' + cell("K2000", " ") + b"</row>"  # a blank cell far below: layout, not data
    loaded = load_landing({"catalogue": {"edge.xlsx": raw_xlsx([part], dimension=b"A1:K2000")}})
    report = loaded.report("edge.xlsx")
    assert (report.status, report.rows_read, report.rows_loaded) == ("loaded", 3, 3), report.line()
    assert loaded.rows("SELECT min(source_row), max(source_row) FROM raw.catalogue") == [(4, 6)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["r", "none", "prefixed", "lower", "single", "second"]),
                          st.integers(1, 40), st.integers(1, 60)), min_size=1, max_size=12),
       st.booleans())
def test_the_checks_never_count_fewer_cells_than_calamine_makes(tmp_path_factory, cells, numbered_rows):
    """However a sheet's cells are written, a limit just below the block calamine builds from A1 refuses it."""
    from python_calamine import CalamineWorkbook

    xml = b""
    for n, (spelling, row, column) in enumerate(cells):
        address = f"{column_letters(column)}{row}"
        open_row = b'<row r="%d">' % row if numbered_rows else b"<row>"
        body = {"r": b'<c r="%s"><v>1</v></c>' % address.encode(),
                "none": b"<c><v>1</v></c>",
                "prefixed": b'<x:c r="%s"><x:v>1</x:v></x:c>' % address.encode(),
                "lower": b'<c r="%s"><v>1</v></c>' % address.lower().encode(),
                "single": b"<c r='%s'><v>1</v></c>" % address.encode(),
                "second": b'<c s="0" r="%s"><v>1</v></c>' % address.encode()}[spelling]
        xml += open_row + body + b"</row>" if n % 3 else body
    path = tmp_path_factory.mktemp("sheet") / "s.xlsx"
    path.write_bytes(raw_xlsx([xml]))
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Sheet1")
    except Exception:  # calamine refuses the XML: it builds nothing
        return
    if sheet.end is None:
        return
    block = (sheet.end[0] + 1) * (sheet.end[1] + 1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(portal_settings, "XLSX_MAX_CELLS", block - 1)
        with pytest.raises(WorkbookRefused):
            check_workbook(path)
        patch.setattr(portal_settings, "XLSX_MAX_CELLS", block)
        check_workbook(path)  # (and not one cell more, for sheets written as spreadsheets write them)


# --- CSV: a cell longer than the csv module splits, lines longer than DuckDB reads ------------------------
@pytest.mark.usefixtures("csv_reads")
def test_a_very_long_cell_near_the_top_quarantines_its_row_and_the_rest_loads(load_landing):
    long_name = "软件工程" * 50_000  # 200,000 characters, past Python's csv field limit (131,072)
    rows = catalogue_rows(3)
    rows.insert(0, with_value(GOOD_CATALOGUE, 7, long_name))
    loaded = load_landing({"catalogue": {
        "long_cell.csv": csv_bytes(CATALOGUE_HEADER, rows),
        # a title line of 300,000 characters above the header
        "long_title.csv": ("说明" * 150_000 + "\n").encode() + csv_bytes(CATALOGUE_HEADER, catalogue_rows(2, 200)),
        # a line of 3 MB, past any row of cells
        "long_line.csv": csv_bytes(CATALOGUE_HEADER, [*catalogue_rows(1, 300), ["x" * 3_000_000],
                                                      *catalogue_rows(1, 301)]),
    }})
    report = loaded.report("long_cell.csv")
    assert (report.status, report.rows_read, report.rows_loaded, report.rows_quarantined) == ("loaded", 4, 3, 1)
    assert loaded.quarantine("catalogue")[0] == (
        "catalogue/long_cell.csv", 2, "major_name",
        "a cell of 200000 characters, more than the 32,767 a spreadsheet cell holds")
    title = loaded.report("long_title.csv")
    assert (title.status, title.rows_read, title.rows_loaded) == ("loaded", 2, 2), title.line()
    line = loaded.report("long_line.csv")
    assert (line.status, line.rows_read, line.rows_loaded, line.rows_quarantined) == ("loaded", 3, 2, 1), line.line()
    [(file, row, column, reason)] = [q for q in loaded.quarantine("catalogue") if q[0].endswith("long_line.csv")]
    assert (row, column) == (3, None) and "a line longer than 2,000,000 bytes" in reason
    assert_accounted(loaded)


# --- any error on one file ------------------------------------------------------------------------------
class PanicException(BaseException):
    """What python-calamine raises when its Rust code panics: not an Exception."""


@pytest.mark.parametrize("error", [lambda: RuntimeError("something nobody foresaw 13912345678"), MemoryError,
                                   lambda: PanicException("index out of bounds")], ids=["error", "memory", "panic"])
def test_any_error_reading_one_file_rejects_that_file_and_the_others_load(load_landing, monkeypatch, error):
    real = loading.prepare_file
    error = error()  # (made here: a raised error keeps its frames, and the test's parameters live on)

    def failing(path, kind, name):
        if path.name == "bad.csv":
            raise error
        return real(path, kind, name)

    monkeypatch.setattr(loading, "prepare_file", failing)
    loaded = load_landing({"catalogue": {"bad.csv": csv_bytes(CATALOGUE_HEADER, catalogue_rows(2)),
                                         "good.csv": csv_bytes(CATALOGUE_HEADER, catalogue_rows(3, 200))}})
    expected = "too large to load in the memory" if isinstance(error, MemoryError) else type(error).__name__
    assert_rejected(loaded, "bad.csv", expected)
    assert "13912345678" not in loaded.report("bad.csv").message  # the values an error quotes are left out
    good = loaded.report("good.csv")
    assert (good.status, good.rows_loaded) == ("loaded", 3)
    assert_accounted(loaded)


def test_a_file_failing_half_way_through_its_load_leaves_no_rows(load_landing, monkeypatch):
    real = loading._load_file

    def fails_after_inserting(con, kind, prepared, ipad, opad):
        report = real(con, kind, prepared, ipad, opad)
        if prepared.path.name == "bad.csv":
            raise ValueError("failed after its rows were inserted")
        return report

    monkeypatch.setattr(loading, "_load_file", fails_after_inserting)
    loaded = load_landing({"catalogue": {
        "bad.csv": csv_bytes(CATALOGUE_HEADER, [*catalogue_rows(2), with_value(GOOD_CATALOGUE, 0, "x")]),
        "good.csv": csv_bytes(CATALOGUE_HEADER, catalogue_rows(3, 200))}})
    assert_rejected(loaded, "bad.csv", "ValueError")
    assert loaded.rows("SELECT DISTINCT source_file FROM raw.catalogue") == [("catalogue/good.csv",)]
    assert_accounted(loaded)


def test_an_interrupt_still_stops_the_load(load_landing, monkeypatch):
    def interrupted(path, kind, name):
        raise KeyboardInterrupt

    monkeypatch.setattr(loading, "prepare_file", interrupted)
    with pytest.raises(KeyboardInterrupt):
        load_landing({"catalogue": {"c.csv": csv_bytes(CATALOGUE_HEADER, catalogue_rows(1))}})


# --- UTF-16 and other text that is not UTF-8 -------------------------------------------------------------
def unicode_text(rows: list[list[object]], encoding: str) -> bytes:
    """A table as Excel saves 'Unicode text': tab-separated, CRLF, UTF-16 (little-endian with a BOM)."""
    return "".join("\t".join(map(str, row)) + "\r\n" for row in rows).encode(encoding)


@pytest.mark.usefixtures("csv_reads")
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le"],
                         ids=["LE with BOM", "BE with BOM", "LE without BOM"])
def test_utf16_text_is_read_and_the_load_log_says_so(load_landing, encoding):
    data = unicode_text([CATALOGUE_HEADER, *catalogue_rows(2), with_value(GOOD_CATALOGUE, 0, "明年")], encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    loaded = load_landing({"catalogue": {"unicode.txt": data}})
    report = loaded.report("unicode.txt")
    assert (report.status, report.rows_read, report.rows_loaded, report.rows_quarantined) == ("loaded", 3, 2, 1)
    assert "read as UTF-16 text" in report.message
    assert loaded.rows("SELECT DISTINCT university_name, major_name FROM raw.catalogue") == [("东北大学", "软件工程")]
    assert loaded.quarantine("catalogue") == [("catalogue/unicode.txt", 4, "year", "not a year: '明年'")]


@pytest.mark.parametrize("data, reason", [
    (unicode_text([CATALOGUE_HEADER, *catalogue_rows(1)], "utf-16")[:-1], "UTF-16 text (Excel's 'Unicode text')"),
    ("\t".join(CATALOGUE_HEADER).encode("utf-32"), "UTF-32 text"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "an old-style .xls workbook"),
    (b"%PDF-1.7\n" + bytes(range(256)), "a PDF document"),
    (bytes(4096), "not a text file (binary content)"),
], ids=["cut-off UTF-16", "UTF-32", "xls", "pdf", "zeros"])
def test_text_that_cannot_be_read_says_what_it_is_and_how_to_save_it(load_landing, data, reason):
    loaded = load_landing({"catalogue": {"odd.csv": data,
                                         "good.csv": csv_bytes(CATALOGUE_HEADER, catalogue_rows(2))}})
    assert_rejected(loaded, "odd.csv", reason)
    assert loaded.report("good.csv").rows_loaded == 2


# --- control characters: the row is quarantined, not the file, not stored ------------------------------
CONTROLS = {"NUL": "\x00", "SOH": "\x01", "ESC": "\x1b", "DEL": "\x7f", "CSI (C1)": "\x9b"}


@pytest.mark.usefixtures("csv_reads")
@pytest.mark.parametrize("where", ["deep", "near the top"])
def test_a_control_character_in_a_csv_cell_quarantines_that_row(load_landing, where):
    filler = catalogue_rows(2000, 1000) if where == "deep" else []  # ~120 KB: past the first 64 KiB
    bad = [with_value(row, 2, f"东北{char}大学") for row, char in zip(catalogue_rows(5, 500), CONTROLS.values())]
    rows = [*filler, *catalogue_rows(2), *bad, *catalogue_rows(1, 600)]
    loaded = load_landing({"catalogue": {"controls.csv": csv_bytes(CATALOGUE_HEADER, rows)}})
    report = loaded.report("controls.csv")
    assert (report.status, report.rows_read) == ("loaded", len(rows)), report.line()
    assert (report.rows_loaded, report.rows_quarantined) == (len(rows) - len(CONTROLS), len(CONTROLS))
    first_bad = len(filler) + 2 + 2  # header on row 1
    assert [(row, column, reason.split(")")[0]) for _, row, column, reason in loaded.quarantine("catalogue")] == [
        (first_bad + i, "university_name", f"holds a control character (U+{ord(char):04X}")
        for i, char in enumerate(CONTROLS.values())]
    [(stored,)] = loaded.rows("SELECT count(*) FROM raw.catalogue WHERE regexp_matches(university_name, "
                              "'[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x{9F}]')")
    assert stored == 0
    assert_accounted(loaded)


def test_a_control_character_in_an_xlsx_cell_quarantines_that_row(load_landing):
    rows = [CATALOGUE_HEADER, *catalogue_rows(2),
            with_value(with_value(GOOD_CATALOGUE, 8, 501), 7, "软件_x0000_工程"),  # as Excel writes a NUL
            with_value(with_value(GOOD_CATALOGUE, 8, 502), 3, "辽宁\x1b省")]
    loaded = load_landing({"catalogue": {"controls.xlsx": raw_xlsx([sheet_rows(rows)])}})
    report = loaded.report("controls.xlsx")
    assert (report.status, report.rows_read, report.rows_loaded, report.rows_quarantined) == ("loaded", 4, 2, 2)
    assert [(row, column, reason.split(")")[0]) for _, row, column, reason in loaded.quarantine("catalogue")] == [
        (4, "major_name", "holds a control character (U+0000"), (5, "province", "holds a control character (U+001B")]
    assert_accounted(loaded)
