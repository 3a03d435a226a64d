"""Reading one source file into a DuckDB temp table of text cells under canonical column names.

Text files are decoded strictly (UTF-8 with or without BOM, UTF-16 as Excel saves "Unicode text", else
GB18030, the superset of GBK) and read by DuckDB's CSV reader with every value kept as text, so codes keep
their leading zeros and structural errors come back with line numbers. XLSX is read in Python
(python-calamine), with the header row found below any title rows, once sources/workbook_guard.py has found
the workbook within the reader's limits. Personal columns are recognised by their header and never selected.

The result, `_incoming`, has `source_row` (the row number as a spreadsheet shows it: header row 1) and one
VARCHAR column per stored column of the kind (NULL where an optional column is absent). Reading is two calls:
`prepare_file` (Python only: decoding, checks, the header, XLSX cells) and `read_prepared` (DuckDB);
sources/loading.py loads two files side by side, so one's Python part overlaps the other's DuckDB work. A large
CSV file's own checks overlap DuckDB's read of it too (_prepare_csv).
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import hashlib
import tempfile
import unicodedata
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sources import settings
from sources.schema import SourceKind, header_key, header_map
from sources.workbook_guard import WorkbookRefused, check_workbook

CSV_DELIMITERS = (",", ";", "\t", "|")
#: how far down an XLSX sheet the header row may sit (title rows above it)
MAX_TITLE_ROWS = 10
#: a CSV file at least this large whose first HEAD_BYTES are UTF-8 is read by DuckDB while Python checks its
#: whole text (see _prepare_csv); a smaller one is checked first
OVERLAP_AT_BYTES = 1 << 20
HEAD_BYTES = 1 << 16
#: a line at the top of a CSV file longer than this is not taken for its header (nor split by Python's csv
#: module, whose cells stop at 131,072 characters)
MAX_HEADER_LINE = 1 << 16
#: the threads that check whole texts while DuckDB reads them (one per loader suffices; more would wait)
_TEXT_CHECKS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="portal-text-checks")


class FileRejected(Exception):
    """The whole file cannot be loaded; the message names the file and says what to do."""


@dataclass
class StructuralReject:
    """A line the CSV reader could not split into the header's columns."""

    source_row: int
    reason: str
    raw_line: str | None


@dataclass
class ReadResult:
    sha256: str
    rows: int  # data rows in `_incoming`
    structural_rejects: list[StructuralReject] = field(default_factory=list)
    unknown_headers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the load log should tell staff about this file
    #: whether any cell may change under NFKC (full-width forms and the like): only then are cells folded
    needs_folding: bool = True
    #: whether any cell may hold a control character or be too long: only then are cells checked for them
    odd_cells: bool = True


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class PreparedFile:
    """A landing file after the Python part of reading (bytes decoded and checked, header found, XLSX cells
    converted), before DuckDB reads it."""

    path: Path
    kind: SourceKind
    shown_name: str
    sha256: str
    needs_folding: bool
    found: dict[str, int]  # canonical column name → column index in the file
    unknown_headers: list[str]
    notes: list[str] = field(default_factory=list)
    # CSV: the UTF-8 file DuckDB reads (a transcoded copy lives in `workdir` until it is read)
    readable: Path | None = None
    #: CSV read while its text is checked: the checks (sha256 and needs_folding are theirs, not the fields')
    checks: Future[TextChecks] | None = None
    header_line: int = 0
    headers: list[str] = field(default_factory=list)
    delimiter: str = ","
    workdir: tempfile.TemporaryDirectory | None = None
    # XLSX: the rows as text, already numbered
    table: pa.Table | None = None
    header_index: int = 0
    odd_cells: bool = True  # see ReadResult (a CSV read while checked: the checks')

    def cleanup(self) -> None:
        if self.checks is not None:
            wait([self.checks])  # a load stopped by an error does not leave its check running
        if self.workdir is not None:
            self.workdir.cleanup()
            self.workdir = None


def prepare_file(path: Path, kind: SourceKind, shown_name: str) -> PreparedFile:
    """The Python part of reading `path` (no DuckDB). Raises FileRejected for a file that cannot load."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _prepare_xlsx(path, kind, shown_name)
    if suffix in (".csv", ".txt"):
        return _prepare_csv(path, kind, shown_name)
    raise FileRejected(f"{shown_name}: unsupported file type '{suffix}' (use .csv or .xlsx)")


def read_prepared(con: duckdb.DuckDBPyConnection, prepared: PreparedFile) -> ReadResult:
    """Read a prepared file into the temp table `_incoming`. Raises FileRejected for a file that cannot load."""
    try:
        if prepared.table is not None:
            return _read_xlsx(con, prepared)
        return _read_csv(con, prepared)
    finally:
        prepared.cleanup()


# --- headers ---------------------------------------------------------------------------------------
def _map_headers(headers: list[str], kind: SourceKind, shown_name: str) -> tuple[dict[str, int], list[str]]:
    """canonical name → column index of the file; raises FileRejected when required columns are missing."""
    accepted = header_map(kind)
    found: dict[str, int] = {}
    unknown: list[str] = []
    for i, h in enumerate(headers):
        canonical = accepted.get(header_key(h))
        if canonical is None:
            if str(h or "").strip():
                unknown.append(str(h))
        elif canonical not in found:
            found[canonical] = i
    missing = [c for c in kind.required if c.name not in found]
    if missing:
        names = ", ".join(f"{c.chinese} ({c.name})" for c in missing)
        raise FileRejected(
            f"{shown_name}: missing required column(s) {names}; "
            f"the headers of {kind.name} files are listed in docs/data-contracts.md"
        )
    return found, unknown


# --- CSV -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TextChecks:
    """What reading a CSV file's whole text found: its bytes' sha256, whether its text needs NFKC folding, the
    text DuckDB must read instead of the file (as UTF-8: GB18030 or UTF-16 decoded, or mixed line ends made
    one), if any, whether any cell may hold a control character or be too long, and what the load log says."""

    sha256: str
    needs_folding: bool
    transcoded: bytes | None
    odd_cells: bool = True
    notes: tuple[str, ...] = ()


def _check_text(path: Path, shown_name: str) -> TextChecks:
    """Read the whole file and check its text; raises FileRejected for a file that cannot load as CSV."""
    if path.stat().st_size > settings.TEXT_MAX_BYTES:
        raise FileRejected(f"{shown_name}: larger than {settings.TEXT_MAX_BYTES:,} bytes, the most a text file may "
                           "be; split it (by year or by university) into smaller files")
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise FileRejected(f"{shown_name}: the file is empty")
    text, encoding = _decoded(data, shown_name)
    notes: tuple[str, ...] = ()
    transcoded = encoding != "utf-8"
    if encoding.startswith("utf-16"):
        data = text.encode("utf-8")  # what follows counts in UTF-8
        notes = ("read as UTF-16 text (Excel's 'Unicode text'); 'CSV UTF-8' is the format to send",)
    # Quotes and line ends are counted in the bytes (faster than in the text): in UTF-8 and GB18030 alike
    # the bytes of ", CR and LF never occur inside another character.
    if data.count(b'"') % 2:
        # an unclosed quote makes the reader swallow every line after it into one cell
        line = data.count(b"\n", 0, data.rfind(b'"')) + 1
        raise FileRejected(
            f'{shown_name}: a quotation mark (") is opened and never closed (last one on line {line}); '
            "fix that cell and save the file again"
        )
    # most files have no CR at all: one count then settles it
    cr = data.count(b"\r")
    crlf = data.count(b"\r\n") if cr else 0
    lines_made_one = False
    if cr and sum(n > 0 for n in (crlf, cr - crlf, data.count(b"\n") - crlf)) > 1:
        # lines ending differently (pasted together from Windows and elsewhere) stop DuckDB's CSV reader
        text, lines_made_one = text.replace("\r\n", "\n").replace("\r", "\n"), True
    if lines_made_one or encoding == "gb18030":
        data, transcoded = text.encode("utf-8"), True
    return TextChecks(sha, not unicodedata.is_normalized("NFKC", text), data if transcoded else None,
                      _odd_cells_possible(data), notes)


#: what a file that is no text is, by the bytes it starts with
_SIGNATURES = (
    (b"PK\x03\x04", "it is an XLSX workbook or another zip archive: an XLSX file must be named .xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "it is an old-style .xls workbook: save it as XLSX or as 'CSV UTF-8'"),
    (b"%PDF", "it is a PDF document; send the table as CSV or XLSX"),
    (b"\x89PNG", "it is a picture; send the table as CSV or XLSX"),
    (b"\xff\xd8\xff", "it is a picture; send the table as CSV or XLSX"),
    (b"GIF8", "it is a picture; send the table as CSV or XLSX"),
)
#: bytes that are no character of any text staff send: control characters but tab, line feed and carriage return
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13)) + b"\x7f"
_CONTROL_BYTE = np.zeros(256, bool)
_CONTROL_BYTE[list(_CONTROL_BYTES)] = True


def _decoded(data: bytes, shown_name: str) -> tuple[str, str]:
    """The file's text and its encoding: utf-8 (with or without BOM), utf-16 (-le, -be: Excel's "Unicode text",
    with or without BOM), else gb18030. Raises FileRejected for bytes that are no text, saying what they are."""
    head = data[:HEAD_BYTES]
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            raise FileRejected(f"{shown_name}: not a text file ({what})")
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise FileRejected(f"{shown_name}: UTF-32 text, which the reader does not take; save it from Excel as "
                           "'CSV UTF-8'")
    utf16 = _utf16(head)
    if utf16 is not None:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError as err:
            raise FileRejected(
                f"{shown_name}: UTF-16 text (Excel's 'Unicode text') that breaks off at byte {err.start}; save it "
                "from Excel as 'CSV UTF-8'") from err
    # A few control characters are a text's stray bytes, whose rows are quarantined; many are no text at all.
    if len(head) - len(head.translate(None, _CONTROL_BYTES)) <= len(head) // 16:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
        try:
            # strict: a wrong guess must fail, never silently corrupt names
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as err:
            if b"\x00" not in head:
                raise FileRejected(
                    f"{shown_name}: neither UTF-8 nor GBK/GB18030 text (undecodable byte at offset {err.start}); "
                    "save it from Excel as 'CSV UTF-8'"
                ) from err
    raise FileRejected(f"{shown_name}: not a text file (binary content); save it as CSV or XLSX")


def _utf16(head: bytes) -> str | None:
    """The codec of UTF-16 text by its start: its byte order mark, or, without one, the zero bytes every ASCII
    character (digits, separators, line ends) has on one side; None for any other text."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    pairs = len(head) // 2
    low, high = head[0 : 2 * pairs : 2].count(0), head[1 : 2 * pairs : 2].count(0)
    if high * 4 >= pairs > 1 and low * 8 < high:
        codec = "utf-16-le"
    elif low * 4 >= pairs > 1 and high * 8 < low:
        codec = "utf-16-be"
    else:
        return None
    try:
        codecs.getincrementaldecoder(codec)().decode(head[: 2 * pairs], final=False)
    except UnicodeDecodeError:
        return None
    return codec


def _odd_cells_possible(data: bytes) -> bool:
    """Whether a cell of this UTF-8 text may hold a control character or be longer than settings.MAX_CELL_CHARS
    (then its line is longer, in bytes). One pass over the bytes; the exact check, cell by cell, is SQL's
    (sources/schema.py, odd_cell_whens), and runs only on the files this finds."""
    octets = np.frombuffer(data, np.uint8)
    at = np.flatnonzero(octets < 0x20)  # line ends, tabs and any control character
    below = octets[at]
    if _control_characters_possible(data, octets, below):
        return True
    line_ends = at[below == ord("\n")]
    return int(np.diff(line_ends, prepend=-1, append=len(octets)).max()) - 1 > settings.MAX_CELL_CHARS


def _control_characters_possible(data: bytes, octets: np.ndarray, below: np.ndarray) -> bool:
    """Whether UTF-8 bytes (`octets` their array, `below` those of them below 0x20) may hold a control
    character: one of _CONTROL_BYTES (in UTF-8 a byte below 0x80 is always a character of its own) or a C1
    character, U+0080 to U+009F (C2 80 to C2 9F)."""
    if _CONTROL_BYTE[below].any() or b"\x7f" in data:
        return True
    if b"\xc2" not in data:
        return False
    lead = np.flatnonzero(octets[:-1] == 0xC2)
    return bool((octets[lead + 1] < 0xA0).any())


def _utf8_head(path: Path) -> bool:
    """Whether the file's first HEAD_BYTES are UTF-8 text (a character cut at the end is allowed)."""
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head


def _top_lines(readable: Path) -> list[str]:
    """The file's first MAX_TITLE_ROWS lines; a line longer than MAX_HEADER_LINE is '' (it is no header), and
    read no further than that."""
    top = []
    with readable.open(encoding="utf-8-sig", newline="") as f:
        while len(top) < MAX_TITLE_ROWS:
            line = f.readline(MAX_HEADER_LINE + 1)
            if not line:
                break
            if len(line) > MAX_HEADER_LINE:
                while line and not line.endswith(("\n", "\r")):
                    line = f.readline(MAX_HEADER_LINE + 1)
                line = ""
            top.append(line)
    return top


def _cells(line: str, delimiter: str) -> list[str] | None:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:  # a line the csv module will not split (a stray line end in it, say) is no header
        return None


def _csv_header(readable: Path, kind: SourceKind, shown_name: str) -> tuple[int, list[str], str]:
    """Where the header is (0-based line, below any title lines), its cells, and the delimiter."""
    accepted = header_map(kind)
    top = _top_lines(readable)
    best: tuple[int, int, list[str], str] | None = None  # (known headers, -line, cells, delimiter)
    for index, line in enumerate(top):
        for delimiter in CSV_DELIMITERS:
            if line.count(delimiter) == 0:
                continue
            cells = _cells(line, delimiter)
            if cells is None:
                continue
            candidate = (sum(header_key(c) in accepted for c in cells), -index, cells, delimiter)
            if best is None or candidate[:2] > best[:2]:
                best = candidate
    if best is None:
        raise FileRejected(f"{shown_name}: no line at the top has column separators; is this a CSV file?")
    known, minus_index, cells, delimiter = best
    if known == 0:
        cells = _cells(top[0], delimiter) or []  # report against the first line
        minus_index = 0
    return -minus_index, cells, delimiter


def _prepare_csv(path: Path, kind: SourceKind, shown_name: str) -> PreparedFile:
    """The header, and the checks of the whole text. A large file that starts as UTF-8 (nearly every one) is
    handed to DuckDB as it is while its text is checked in another thread: the checks of a national year of
    placements (88 MB: sha256, strict decoding, quotes, line ends, NFKC) take as long as DuckDB's read of
    it, which no longer waits for them. Should they find the file rejected or in need of transcoding, what
    DuckDB read is thrown away (_read_csv)."""
    if path.stat().st_size < OVERLAP_AT_BYTES or not _utf8_head(path):
        return _checked_csv(path, kind, shown_name, _check_text(path, shown_name))
    checks = _TEXT_CHECKS.submit(_check_text, path, shown_name)
    try:
        header_line, headers, delimiter = _csv_header(path, kind, shown_name)
        found, unknown = _map_headers(headers, kind, shown_name)
    except FileRejected:
        checks.result()  # what is wrong with the whole text is said first, as when it is checked first
        raise
    except UnicodeDecodeError:  # the top lines run on past a UTF-8 head: GB18030 after all
        return _checked_csv(path, kind, shown_name, checks.result())
    except BaseException:
        wait([checks])
        raise
    return PreparedFile(path, kind, shown_name, "", False, found, unknown, readable=path, header_line=header_line,
                        headers=headers, delimiter=delimiter, checks=checks, odd_cells=False)


def _checked_csv(path: Path, kind: SourceKind, shown_name: str, checks: TextChecks) -> PreparedFile:
    """The prepared file once its text is checked: DuckDB reads the file itself, or a UTF-8 copy of the text
    the checks made."""
    workdir, readable = None, path
    try:
        if checks.transcoded is not None:
            workdir = tempfile.TemporaryDirectory(prefix="portal-read-")
            readable = Path(workdir.name) / "decoded.csv"
            readable.write_bytes(checks.transcoded)
        header_line, headers, delimiter = _csv_header(readable, kind, shown_name)
        found, unknown = _map_headers(headers, kind, shown_name)
    except BaseException:
        if workdir is not None:
            workdir.cleanup()
        raise
    return PreparedFile(path, kind, shown_name, checks.sha256, checks.needs_folding, found, unknown,
                        list(checks.notes), readable=readable, header_line=header_line, headers=headers,
                        delimiter=delimiter, workdir=workdir, odd_cells=checks.odd_cells)


def _read_csv(con: duckdb.DuckDBPyConnection, prepared: PreparedFile) -> ReadResult:
    if prepared.checks is None:
        return _read_csv_file(con, prepared)
    try:
        result = _read_csv_file(con, prepared)
    except FileRejected:
        # the text's own fault, if it has one, is the one reported (result() raises it); else DuckDB's
        if prepared.checks.result().transcoded is None:
            raise
        result = None
    checks = prepared.checks.result()
    if result is None or checks.transcoded is not None:
        # the text is not the file's bytes as DuckDB read them: read the UTF-8 text the checks made instead
        return read_prepared(con, _checked_csv(prepared.path, prepared.kind, prepared.shown_name, checks))
    return dataclasses.replace(result, sha256=checks.sha256, needs_folding=checks.needs_folding,
                               odd_cells=checks.odd_cells, notes=list(checks.notes) + result.notes)


def _read_csv_file(con: duckdb.DuckDBPyConnection, prepared: PreparedFile) -> ReadResult:
    kind, shown_name, found, headers = prepared.kind, prepared.shown_name, prepared.found, prepared.headers
    header_line = prepared.header_line
    # Columns by position, all text: the header was read above, so nothing is left to guessing
    # (the sniffer can misjudge a small file with a broken line). Lines with too many or too few
    # cells go to the reject table of this scan with their line numbers.
    positional = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(headers))) + "}"
    selected = ", ".join(
        f'c{found[c.name]} AS "{c.name}"' if c.name in found else f'NULL::VARCHAR AS "{c.name}"'
        for c in kind.stored_columns
    )
    # Data rows take spreadsheet rows (header row + 1), … in order (the reader keeps the file's order).
    # (Blank lines are not counted: a file with blank lines between rows is numbered as if they were not.)
    first_data_row = header_line + 2
    try:
        con.execute("DROP TABLE IF EXISTS _rejects; DROP TABLE IF EXISTS _rejects_scan")
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _incoming AS
                SELECT (row_number() OVER () + {first_data_row - 1})::INTEGER AS source_row, {selected}
                FROM read_csv(?, columns = {positional}, header = true, skip = {header_line}, delim = ?,
                    quote = '"', escape = '"', auto_detect = false, strict_mode = true, store_rejects = true,
                    rejects_table = '_rejects', rejects_scan = '_rejects_scan',
                    max_line_size = {settings.CSV_MAX_LINE_BYTES})""",
            [str(prepared.readable), prepared.delimiter],
        )
        rejects = con.execute(
            "SELECT line, any_value(error_type), any_value(csv_line) "
            "FROM _rejects GROUP BY line ORDER BY line"
        ).fetchall()
    except duckdb.Error as err:
        raise FileRejected(f"{shown_name}: cannot be read as CSV ({str(err).splitlines()[0]})") from err
    structural = [_structural_reject(int(line), etype, csv_line, len(headers)) for line, etype, csv_line in rejects]
    if rejects:
        _skip_rejected_lines(con, first_data_row, sorted({int(r[0]) for r in rejects}))
    rows = con.execute("SELECT count(*) FROM _incoming").fetchone()[0]
    notes = prepared.notes + ([] if rows or structural else [f"no data rows below the header (row {header_line + 1})"])
    return ReadResult(prepared.sha256, rows, structural, prepared.unknown_headers, notes, prepared.needs_folding,
                      prepared.odd_cells)


def _structural_reject(line: int, error_type: str, csv_line: str | None, columns: int) -> StructuralReject:
    if error_type == "LINE SIZE OVER MAXIMUM":  # kept whole it would be megabytes of who knows what
        return StructuralReject(line, f"a line longer than {settings.CSV_MAX_LINE_BYTES:,} bytes, more than any row "
                                      "of cells holds (a cell pasted in by mistake?)", None)
    return StructuralReject(line, f"malformed line ({error_type.lower()}; the header has {columns} columns)", csv_line)


def _skip_rejected_lines(con: duckdb.DuckDBPyConnection, first_data_row: int, reject_lines: list[int]) -> None:
    """Renumber `_incoming` when the reader rejected lines: the k-th row read is the k-th line not rejected."""
    con.execute("CREATE OR REPLACE TEMP TABLE _reject_lines AS SELECT unnest(?::INTEGER[]) AS line", [reject_lines])
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _renumbered AS
        WITH lines AS (
            SELECT line, row_number() OVER (ORDER BY line) AS ordinal
            FROM range($first, $first + (SELECT count(*) FROM _incoming) + (SELECT count(*) FROM _reject_lines))
                 t(line)
            WHERE line NOT IN (SELECT line FROM _reject_lines)
        )
        SELECT lines.line::INTEGER AS source_row, i.* EXCLUDE (source_row)
        FROM _incoming i JOIN lines ON lines.ordinal = i.source_row - $first + 1
        ORDER BY source_row
        """,
        {"first": first_data_row},
    )
    con.execute("DROP TABLE _incoming; DROP TABLE _reject_lines; ALTER TABLE _renumbered RENAME TO _incoming")


# --- XLSX ------------------------------------------------------------------------------------------
def _cell_text(value: object) -> str | None:
    """An XLSX cell as the text a person typed: 80902.0 → '80902', dates → ISO. (_column_texts does the same
    for a whole column at once; this is what it does for the odd cell types, and the rule it keeps.)"""
    if type(value) is str:  # most cells: tested first
        return value if value.strip() else None
    if value is None:
        return None
    if isinstance(value, bool):  # as Excel shows it: a yes/no column reads it, a count does not take it for 1
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        # with a T, not a space: a date column's code form drops spaces, and '2024-03-05T08:30:00' still parses
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


#: a cell of nothing but what Python's str.strip() removes is blank (every such character lies below U+3001)
_BLANK_CELL = "^[" + "".join(f"\\x{{{ord(c):x}}}" for c in map(chr, range(0x3001)) if c.isspace()) + "]*$"
#: floats with an integer value of this size or more are written out by Python, not cast (int64's range)
_INT64_LIMIT = 2.0**63


def _str_texts(values: list[str]) -> pa.Array:
    cells = pa.array(values, pa.string())
    return pc.if_else(pc.match_substring_regex(cells, _BLANK_CELL), pa.scalar(None, pa.string()), cells)


def _float_texts(values: list[float]) -> pa.Array:
    numbers = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(numbers) & (numbers == np.trunc(numbers)) & (np.abs(numbers) < _INT64_LIMIT)
    if whole.all():
        return pa.array(numbers.astype(np.int64)).cast(pa.string())
    odd = ~whole  # fractions, huge whole numbers, inf and nan: Python's own text of them
    return _scattered(len(values), [
        (whole, pa.array(numbers[whole].astype(np.int64)).cast(pa.string())),
        (odd, pa.array([_cell_text(v) for v in numbers[odd].tolist()], pa.string())),
    ])


def _scattered(n: int, parts: list[tuple[np.ndarray, pa.Array]]) -> pa.Array:
    """One array of n values from parts that each hold the values at the positions their mask marks."""
    position = np.empty(n, dtype=np.int64)
    offset = 0
    for mask, texts in parts:
        position[mask] = np.arange(offset, offset + len(texts))
        offset += len(texts)
    return pc.take(pa.concat_arrays([texts for _, texts in parts]), pa.array(position))


def _column_texts(values: list[object]) -> pa.Array:
    """_cell_text of every cell of a column, with Arrow doing the work for the two types nearly every cell has
    (str, float): a Python call per cell cost twice what calamine takes to read the sheet."""
    types = set(map(type, values))
    if types <= {str}:
        return _str_texts(values)
    if types <= {float}:
        return _float_texts(values)
    cells = np.empty(len(values), dtype=object)
    cells[:] = values
    cell_types = np.empty(len(values), dtype=object)
    cell_types[:] = list(map(type, values))
    parts = []
    for cell_type in types:
        mask = cell_types == cell_type
        of_type = cells[mask].tolist()
        if cell_type is str:
            parts.append((mask, _str_texts(of_type)))
        elif cell_type is float:
            parts.append((mask, _float_texts(of_type)))
        else:  # None, bool, int, dates and times: rare, one call each
            parts.append((mask, pa.array([_cell_text(v) for v in of_type], pa.string())))
    return _scattered(len(values), parts)


def _needs_folding(columns: list[tuple[list[object], pa.Array]]) -> bool:
    """Whether any cell's text may change under NFKC, for (a column's cells as read, its texts) pairs. The str
    cells as read are checked first, in one string per column: nearly always they are already NFKC, and then so
    is every text made of them; only if not are the texts alone checked (blank cells, which are never folded,
    and empty rows left out), so the answer is the one a check of the texts gives."""
    for values, texts in columns:
        types = set(map(type, values))
        strings = values if types == {str} else [v for v in values if type(v) is str] if str in types else []
        if strings and not unicodedata.is_normalized("NFKC", "\n".join(strings)):
            if not unicodedata.is_normalized("NFKC", "\n".join(v for v in texts.to_pylist() if v is not None)):
                return True
    return False


def _prepare_xlsx(path: Path, kind: SourceKind, shown_name: str) -> PreparedFile:
    from python_calamine import CalamineWorkbook  # imported here: only XLSX files need it

    sha = file_sha256(path)
    accepted = header_map(kind)
    try:
        check_workbook(path)
    except WorkbookRefused as err:
        raise FileRejected(f"{shown_name}: {err}") from err
    except Exception as err:  # no zip, a damaged one, a part in a compression or encryption zipfile lacks
        raise FileRejected(f"{shown_name}: not a readable XLSX workbook ({err}); re-save it from Excel") from err
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        # every sheet's header row: the first of its top rows that names the most known columns; only the sheet
        # chosen is read whole
        sheets = []  # (name, header row, its known headers, whether the sheet has cells)
        chosen, chosen_sheet = 0, None
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            top = sheet.to_python(skip_empty_area=False, nrows=MAX_TITLE_ROWS) if sheet.end is not None else []
            scores = [sum(header_key(v) in accepted for v in row) for row in top]
            best = max(range(len(scores)), key=lambda i: (scores[i], -i)) if scores else 0
            sheets.append((name, best, scores[best] if scores else 0, sheet.end is not None))
            # the sheet whose header names the most known columns (the first such sheet): data may follow a
            # cover sheet
            if chosen_sheet is None or sheets[-1][2] > sheets[chosen][2]:
                chosen, chosen_sheet = len(sheets) - 1, sheet
        if not any(has_cells for *_, has_cells in sheets):
            raise FileRejected(f"{shown_name}: the workbook is empty")
        sheet_name, header_index, score, _ = sheets[chosen]
        end = chosen_sheet.end or (-1, -1)
        if (end[0] + 1) * (end[1] + 1) > settings.XLSX_MAX_CELLS:  # workbook_guard's limit, as calamine counts
            raise FileRejected(f"{shown_name}: the sheet '{sheet_name}' spans {(end[0] + 1) * (end[1] + 1):,} cells "
                               f"from A1, beyond the reader's limit of {settings.XLSX_MAX_CELLS:,}; delete the "
                               "empty rows and columns and save it again")
        rows = chosen_sheet.to_python(skip_empty_area=False)
    except FileRejected:
        raise
    except BaseException as err:  # calamine raises several error types for damaged files, and panics
        if not isinstance(err, Exception) and type(err).__name__ != "PanicException":
            raise
        raise FileRejected(f"{shown_name}: not a readable XLSX workbook ({_first_line(err)}); re-save it from "
                           "Excel") from err
    notes = [f"read sheet '{sheet_name}'"] if chosen > 0 else []
    notes += [
        f"sheet '{name}' was not read (it has a header row too; send one table per file)"
        for i, (name, _, other, _) in enumerate(sheets) if i != chosen and score and other >= len(kind.required)
    ]
    if not rows:
        raise FileRejected(f"{shown_name}: the sheet '{sheet_name}' is empty")
    headers = [str(v) if v is not None else "" for v in rows[header_index]]
    found, unknown = _map_headers(headers, kind, shown_name)
    body = rows[header_index + 1 :]
    width = max(map(len, body), default=0)
    if any(len(r) < width for r in body):  # calamine's rows are all as wide as the sheet; padded should not be
        body = [list(r) + [None] * (width - len(r)) for r in body]
    cells = [list(values) for values in zip(*body)]  # column by column
    texts = [_column_texts(values) for values in cells]
    # spreadsheet row numbers; wholly empty rows are layout, not data
    kept = np.zeros(len(body), dtype=bool)
    for column in texts:
        kept |= pc.is_valid(column).to_numpy(zero_copy_only=False)
    kept_rows = pa.array(kept)
    columns: dict[str, pa.Array] = {
        "source_row": pa.array(np.flatnonzero(kept) + header_index + 2, pa.int32())}
    folding = []
    for c in kind.stored_columns:
        idx = found.get(c.name)
        if idx is not None and idx < width:
            columns[c.name] = texts[idx].filter(kept_rows)
            folding.append((cells[idx], columns[c.name]))
        else:
            columns[c.name] = pa.nulls(int(kept.sum()), pa.string())
    table = pa.table(columns)
    needs_folding = _needs_folding(folding)
    odd_cells = any(_odd_texts(texts) for _, texts in folding)
    return PreparedFile(path, kind, shown_name, sha, needs_folding, found, unknown, notes, table=table,
                        header_index=header_index, odd_cells=odd_cells)


def _odd_texts(texts: pa.Array) -> bool:
    """Whether a column of cells may hold a control character or a cell longer than settings.MAX_CELL_CHARS (as
    _odd_cells_possible, over the bytes of all the column's cells at once)."""
    if len(texts) == texts.null_count:
        return False
    if pc.max(pc.binary_length(texts)).as_py() > settings.MAX_CELL_CHARS:
        return True
    # (the buffer of a slice holds other cells too: at worst the exact check runs for nothing)
    data = texts.buffers()[2].to_pybytes()
    octets = np.frombuffer(data, np.uint8)
    return _control_characters_possible(data, octets, octets[octets < 0x20])


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0][:200]


def _read_xlsx(con: duckdb.DuckDBPyConnection, prepared: PreparedFile) -> ReadResult:
    con.register("_xlsx_rows", prepared.table)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _incoming AS SELECT * FROM _xlsx_rows")
    finally:
        con.unregister("_xlsx_rows")
    rows = prepared.table.num_rows
    notes = prepared.notes + ([f"no data rows below the header (row {prepared.header_index + 1})"] if not rows else [])
    return ReadResult(prepared.sha256, rows, [], prepared.unknown_headers, notes, prepared.needs_folding,
                      prepared.odd_cells)
