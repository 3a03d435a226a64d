"""A minimal, fast, deterministic XLSX writer for the demo files.

Why not openpyxl: without lxml (not in our lock) openpyxl serialises every cell through Python's XML
writer, one cell at a time; the demo at scale 100 writes millions of XLSX cells. This writer builds the
one worksheet's XML column by column with vectorised pandas string operations. It writes only what the demo
needs: one sheet, an optional title row, a header row, text (inline strings), whole numbers and dates (an
Excel serial day with a `yyyy-mm-dd` format), and empty cells left out. Every zip entry carries a fixed
timestamp, so the same input gives the same bytes. openpyxl, python-calamine and Excel read the result
(tests/test_demo_generator.py checks the first two).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

#: cell kinds a column may hold, decided per cell by the caller
TEXT, NUMBER, DATE = "text", "number", "date"
_EXCEL_EPOCH = np.datetime64("1899-12-30")

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_CONTENT_TYPES = (
    _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    f'<Relationship Id="rId2" Type="{_PKG_REL}/metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# style 0: General; style 1: a date shown as yyyy-mm-dd
_STYLES = (
    _HEAD + f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="等线"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xml_text(values: pd.Series) -> pd.Series:
    return values.str.replace("&", "&amp;", regex=False).str.replace("<", "&lt;", regex=False).str.replace(
        ">", "&gt;", regex=False)


def _fixed_row(row: int, values: list[str]) -> str:
    cells = "".join(
        f'<c r="{column_letter(j)}{row}" t="inlineStr"><is><t xml:space="preserve">{escape(v)}</t></is></c>'
        for j, v in enumerate(values) if v != ""
    )
    return f'<row r="{row}">{cells}</row>'


def sheet_xml(headers: list[str], frame: pd.DataFrame, kinds: list[pd.Series], title: str | None) -> str:
    """The worksheet: optional title row, header row, then one row per frame row.

    frame holds text; kinds[j] gives each cell's kind in column j (TEXT, NUMBER or DATE). Empty text
    is an empty (absent) cell. NUMBER cells must hold a whole number; DATE cells an ISO date.
    """
    n_rows, n_cols = len(frame), len(headers)
    first = 3 if title else 2
    fixed = ([_fixed_row(1, [title])] if title else []) + [_fixed_row(first - 1, headers)]
    row_no = pd.Series(np.arange(first, first + n_rows).astype(str), dtype=object)
    body = pd.Series([""] * n_rows, dtype=object)
    for j in range(n_cols):
        values = frame.iloc[:, j].astype(str).reset_index(drop=True)
        kind = kinds[j].reset_index(drop=True).to_numpy()
        ref = '<c r="' + column_letter(j) + row_no
        text = ref + '" t="inlineStr"><is><t xml:space="preserve">' + _xml_text(values) + "</t></is></c>"
        cell = text.to_numpy()
        is_number = kind == NUMBER
        if is_number.any():
            cell = np.where(is_number, (ref + '"><v>' + values + "</v></c>").to_numpy(), cell)
        is_date = kind == DATE
        if is_date.any():
            dates = pd.to_datetime(values.where(is_date), format="%Y-%m-%d").to_numpy()
            dates = dates.astype("datetime64[D]")
            serial = pd.Series((dates - _EXCEL_EPOCH).astype(np.int64).astype(str))  # days since 1899-12-30
            cell = np.where(is_date, (ref + '" s="1"><v>' + serial + "</v></c>").to_numpy(), cell)
        body = body + np.where(values.to_numpy() == "", "", cell)
    rows = ('<row r="' + row_no + '">' + body + "</row>").tolist()
    last = f"{column_letter(n_cols - 1)}{first - 1 + n_rows if n_rows else first - 1}"
    opening = f'<worksheet xmlns="{_MAIN}"><dimension ref="A1:{last}"/><sheetData>'
    return "".join([_HEAD, opening, *fixed, *rows, "</sheetData></worksheet>"])


def workbook_bytes(sheet_name: str, sheet: str, creator: str, timestamp: dt.datetime) -> bytes:
    """The XLSX package around one worksheet's XML, with fixed entry and document dates."""
    stamp = timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    workbook = (_HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
                f'<sheet name="{escape(sheet_name)}" sheetId="1" r:id="rId1"/></sheets></workbook>')
    core = (_HEAD + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"'
            ' xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:creator>{escape(creator)}</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>')
    app = (_HEAD + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
           f'extended-properties"><Application>{escape(creator)}</Application></Properties>')
    parts = (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _ROOT_RELS), ("docProps/app.xml", app),
             ("docProps/core.xml", core), ("xl/workbook.xml", workbook),
             ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS), ("xl/styles.xml", _STYLES),
             ("xl/worksheets/sheet1.xml", sheet))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts:
            entry = zipfile.ZipInfo(name, date_time=timestamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, text.encode("utf-8"), compresslevel=6)
    return out.getvalue()
