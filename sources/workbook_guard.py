"""An XLSX workbook checked against the reader's limits before python-calamine opens it.

calamine holds a sheet as one block of cells, and the reader asks for that block from A1 (to find the header
below title rows and number rows as a spreadsheet does), however empty: a file of a few KB whose only cell is
XFD1048576 asks for 17 billion cells, hundreds of GB, and a failed allocation in calamine aborts the process,
which no `except` can catch. So the zip is checked here first, by its own bytes: the number of parts, what they
inflate to (counted as they inflate, not as their headers claim), the shared strings, and each sheet's declared
dimension and the largest cell address it actually holds. The XML is streamed and scanned, never parsed by an
XML library, so nothing in it (entities, say) is expanded.

A cell's address is where calamine puts it: its `r` attribute, or, without one, the place after the cell
before it (and the row after the row before it). Files from Excel, WPS, LibreOffice and the usual libraries
write `<c r="..."` (or `<x:c r="..."`) for every cell, which is read from the bytes in bulk (numpy); any other
way of writing cells is followed tag by tag, as calamine does, within a smaller size.
"""

from __future__ import annotations

import copy
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sources import settings

#: how much inflated XML is scanned at a time
_CHUNK = 1 << 22
#: the bytes that may follow a tag's name, as a look-up table
_AFTER_NAME = np.zeros(256, bool)
_AFTER_NAME[list(b" \t\n\r>/")] = True
#: a cell's address in the common form: the tag's name, `r` as its first attribute, in double quotes
_CELL_REF = b'<c r="'
#: the longest tag the scan carries from one chunk to the next
_MAX_TAG = 1 << 16
#: Excel's grid: a cell beyond it is from no spreadsheet program
_EXCEL_ROWS, _EXCEL_COLUMNS = 1_048_576, 16_384
#: a `<c>` or `<row>` start or end tag, with any namespace prefix and its attributes (quoted values may hold `>`)
_TAG = re.compile(rb"""<(/?)(?:[^\s<>/:"']*:)*(c|row)(?=[\s/>])((?:[^<>"']|"[^"]*"|'[^']*')*)>""")
_R_ATTRIBUTE = re.compile(rb"""(?:^|\s)r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ADDRESS = re.compile(rb"([A-Za-z]*)([0-9]+)")
_DIMENSION = re.compile(rb"""<(?:[^\s<>/:"']*:)*dimension\s[^>]*?\bref\s*=\s*["']([^"']*)["']""")
#: a shared string (one String in calamine each, however short)
_SHARED_STRING = (b"<si>", b"<si ", b":si>", b":si ")
#: a sheet of the workbook (xl/workbook.xml)
_SHEET = re.compile(rb"""<(?:[^\s<>/:"']*:)*sheet[\s/>]""")
#: the signature of an OLE2 compound file: an old .xls workbook, or an XLSX saved with a password
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class WorkbookRefused(Exception):
    """The workbook is beyond a limit of the reader; the message says which, for staff."""


def column_letters(column: int) -> str:
    """1 → A, 16384 → XFD."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


@dataclass
class _Extent:
    """The furthest row and column (1-based) a sheet's cells reach, and the cells seen."""

    rows: int = 0
    columns: int = 0
    cells: int = 0

    def reach(self, row: int, column: int) -> None:
        self.rows, self.columns = max(self.rows, row), max(self.columns, column)


@dataclass
class _Part:
    """What one part of the workbook holds."""

    inflated: int = 0  # bytes, as it inflated
    shared_strings: int = 0
    sheets: int = 0  # the sheets it lists (xl/workbook.xml)
    extent: _Extent | None = None  # how far its cells reach; None: it has none
    dimension: bytes | None = None  # the dimension it declares


def check_workbook(path: Path) -> None:
    """Raise WorkbookRefused for a workbook beyond the reader's limits (zipfile.BadZipFile and the like for one
    that is no zip at all); return for one calamine may read."""
    with path.open("rb") as f:
        if f.read(len(_OLE2)) == _OLE2:
            raise WorkbookRefused("an old-style .xls workbook, or an XLSX protected by a password; save it from "
                                  "Excel as an .xlsx workbook without a password")
    size = path.stat().st_size
    with zipfile.ZipFile(path) as archive:
        parts = archive.infolist()
        if len(parts) > settings.XLSX_MAX_PARTS:
            raise WorkbookRefused(f"a workbook of {len(parts):,} parts, more than the {settings.XLSX_MAX_PARTS:,} "
                                  "the reader opens; save it again from Excel")
        names = [p.filename.lower() for p in parts]
        if len(set(names)) < len(names):  # which of two same-named parts a reader takes is its own choice
            raise WorkbookRefused("the workbook holds two parts of the same name; save it again from Excel")
        _check_inflation(sum(p.file_size for p in parts), size, "its parts declare")
        inflated, shared_strings, sheets, largest_sheet = 0, 0, 0, 0
        for part in parts:
            found = _scan_part(archive, part, settings.XLSX_MAX_INFLATED_BYTES - inflated)
            inflated += found.inflated
            _check_inflation(inflated, size, "its parts inflate to")
            shared_strings += found.shared_strings
            if shared_strings > settings.XLSX_MAX_CELLS:
                raise WorkbookRefused(f"more than {settings.XLSX_MAX_CELLS:,} shared strings, beyond the reader's "
                                      "limit; save it again from Excel")
            sheets += found.sheets
            if found.extent is not None:
                largest_sheet = max(largest_sheet, found.inflated)
                _check_extent(found.extent, found.dimension)
    # calamine reads a part once for each sheet that names it: a workbook of many sheets naming one large part
    # must not have it read a thousand times
    if max(sheets, 1) * largest_sheet > settings.XLSX_MAX_INFLATED_BYTES:
        raise WorkbookRefused(f"{sheets:,} sheets of up to {largest_sheet:,} bytes of XML each, more than the "
                              f"reader's limit of {settings.XLSX_MAX_INFLATED_BYTES:,} bytes; send one table per "
                              "file")


def _check_inflation(inflated: int, size: int, what: str) -> None:
    if inflated > settings.XLSX_MAX_INFLATED_BYTES:
        raise WorkbookRefused(f"{what} more than {settings.XLSX_MAX_INFLATED_BYTES:,} bytes of XML, beyond the "
                              "reader's limit; split it into smaller files")
    if inflated > settings.XLSX_INFLATION_FLOOR and inflated > settings.XLSX_MAX_INFLATION * size:
        raise WorkbookRefused(f"{what} {inflated:,} bytes, {inflated // max(size, 1):,} times the file's size, "
                              "where a workbook as Excel saves it inflates a few dozen times at most; save it "
                              "again from Excel")


def _check_extent(extent: _Extent, dimension: bytes | None) -> None:
    if dimension:
        declared = _Extent()
        for address in dimension.split(b":"):
            place = _address(address)
            if place:
                declared.reach(*place)
        _check_cells(declared, "declares cells up to")
    _check_cells(extent, "has cells reaching")


def _check_cells(extent: _Extent, what: str) -> None:
    if extent.rows > _EXCEL_ROWS or extent.columns > _EXCEL_COLUMNS:
        raise _beyond_grid(f"{column_letters(extent.columns)}{extent.rows}".encode())
    area = extent.rows * extent.columns
    if area > settings.XLSX_MAX_CELLS:
        raise WorkbookRefused(
            f"a sheet {what} column {column_letters(extent.columns)}, row {extent.rows:,}: {area:,} cells from A1, "
            f"beyond the reader's limit of {settings.XLSX_MAX_CELLS:,}; delete the empty rows and columns "
            "(or the stray cell far from the table) and save it again")


def _beyond_grid(address: bytes) -> WorkbookRefused:
    shown = address[:20].decode("ascii", "replace")
    return WorkbookRefused(f"a sheet has a cell at '{shown}', beyond the last row and column of any spreadsheet; "
                           "save it again from Excel")


def _inflate(archive: zipfile.ZipFile, part: zipfile.ZipInfo, budget: int) -> Iterator[bytes]:
    """The part's bytes as they inflate, up to `budget` + 1 of them whatever size its header declares (the
    deflate stream decides where a part ends, for calamine as for zipfile)."""
    unbounded = copy.copy(part)
    unbounded.file_size = max(budget, 0) + 1
    with archive.open(unbounded) as f:
        while chunk := f.read(_CHUNK):
            yield chunk


def _scan_part(archive: zipfile.ZipFile, part: zipfile.ZipInfo, budget: int) -> _Part:
    """What one part of the workbook holds, read as it inflates."""
    found = _Part()
    extent, tail, by_tag, head = _Extent(), b"", False, True
    workbook = part.filename.lower() == "xl/workbook.xml"
    shared_strings = part.filename.lower() == "xl/sharedstrings.xml"  # the one part calamine reads them from
    for chunk in _inflate(archive, part, budget):
        found.inflated += len(chunk)
        if found.inflated > budget:
            _check_inflation(settings.XLSX_MAX_INFLATED_BYTES + 1, 1, "its parts inflate to")
        buffer = tail + chunk
        cut = buffer.rfind(b"<")
        if cut >= 0 and buffer.find(b">", cut) < 0:  # a tag cut at the chunk's end: finished in the next chunk
            buffer, tail = buffer[:cut], buffer[cut:]
            if len(tail) > _MAX_TAG:
                raise WorkbookRefused("a tag of its XML is longer than any spreadsheet writes; save it again from "
                                      "Excel")
        else:
            tail = b""
        if head:  # the dimension comes before the cells
            dimension = _DIMENSION.search(buffer, 0, 1 << 16)
            found.dimension = dimension[1] if dimension else None
            head = False
        if shared_strings:
            found.shared_strings += sum(buffer.count(s) for s in _SHARED_STRING)
        if workbook:
            found.sheets += len(_SHEET.findall(buffer))
        if not by_tag and not _cells_in_bulk(buffer, extent):
            by_tag = True
    if by_tag:  # written in an unusual way: every tag followed, as calamine does
        if found.inflated > settings.XLSX_MAX_UNUSUAL_BYTES:
            raise WorkbookRefused(f"a sheet written in an unusual way and larger than "
                                  f"{settings.XLSX_MAX_UNUSUAL_BYTES:,} bytes of XML; save it again from Excel")
        extent = _cells_by_tag(b"".join(_inflate(archive, part, budget)))
    found.extent = extent if extent.cells else None
    return found


def _cells_in_bulk(buffer: bytes, extent: _Extent) -> bool:
    """Extend `extent` by the cells of a stretch of XML in which every cell tag is `<c r="..."` or `<x:c r="..."`
    (the first attribute an address); False, with nothing done, for XML written otherwise."""
    data = np.frombuffer(buffer + bytes(16), np.uint8)  # padded: the bytes after any position can be looked at
    # `<c` or, with a namespace prefix (as .NET's OpenXML SDK writes), `<x:c`: the byte before the name
    before = data[:-1]
    cells = np.flatnonzero(((before == ord("<")) | (before == ord(":"))) & (data[1:] == ord("c")))
    cells = cells[_AFTER_NAME[data[cells + 2]]]
    if not len(cells):
        return True
    for offset, byte in enumerate(_CELL_REF[2:], 2):
        if not (data[cells + offset] == byte).all():
            return False
    at = cells + len(_CELL_REF)
    # letters, then digits, then the closing quote; an address any other way is left to _cells_by_tag
    letters = np.zeros(len(at), np.int64)
    column = np.zeros(len(at), np.int64)
    for _ in range(4):
        byte = data[at + letters]
        letter = (byte | 0x20) - ord("a") < 26
        if not letter.any():
            break
        column = np.where(letter, column * 26 + (byte | 0x20) - ord("a") + 1, column)
        letters += letter
    digits = np.zeros(len(at), np.int64)
    row = np.zeros(len(at), np.int64)
    for _ in range(8):
        byte = data[at + letters + digits]
        digit = byte - ord("0") < 10
        if not digit.any():
            break
        row = np.where(digit, row * 10 + byte - ord("0"), row)
        digits += digit
    if not ((data[at + letters + digits] == ord('"')) & (letters > 0) & (digits > 0)).all():
        return False
    if letters.max() > 3 or digits.max() > 7:
        worst = int(np.argmax(np.maximum(letters - 3, digits - 7)))
        raise _beyond_grid(bytes(data[at[worst]: at[worst] + letters[worst] + digits[worst]]))
    extent.reach(int(row.max()), int(column.max()))
    extent.cells += len(cells)
    return True


def _address(value: bytes | None) -> tuple[int, int] | None:
    """(row, column), 1-based, of a cell address as calamine reads it (column 0: none given); None where calamine
    fails on it (and then reads nothing)."""
    match = _ADDRESS.fullmatch(value or b"")
    if match is None or int(match[2]) == 0:
        return None
    if len(match[1]) > 3 or len(match[2]) > 7:
        raise _beyond_grid(value)
    return int(match[2]), _column_number(match[1])


def _cells_by_tag(xml: bytes) -> _Extent:
    """The extent of a sheet's cells, following its `<row>` and `<c>` tags as calamine does: an address where
    one is given, else the place after the one before."""
    extent, row, column = _Extent(), 1, 1
    for match in _TAG.finditer(xml):
        closing, name, attributes = match[1], match[2], match[3]
        r = _R_ATTRIBUTE.search(attributes) if not closing else None
        address = _address(r[1] if r[1] is not None else r[2]) if r else None
        if name == b"row":
            if address and not closing:
                row = address[0]
            if closing or attributes.endswith(b"/"):
                row, column = row + 1, 1
        elif not closing:
            if address and address[1]:
                row_of_cell, column = address
            else:
                row_of_cell = row
            extent.reach(row_of_cell, column)
            extent.cells += 1
            column += 1
    return extent
