"""The readers' and loaders' settings: where the landing folder and reference lists are, which files are
sources, the code formats they are checked against, the readers' limits and the pseudonymisation key's file.

It lives in `sources/`, the most upstream package, because `sources/` reads these and must import nothing
downstream; the other layers read them from here too. Settings the warehouse, the pipelines or the dashboard
own live beside them: `warehouse/settings.py`, `pipelines/settings.py`, `dashboard/settings.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"

# --- paths -----------------------------------------------------------------------------------------
DEFAULT_LANDING = REPO_ROOT / "sources" / "landing"

SOURCE_SUFFIXES = (".csv", ".txt", ".xlsx")
#: optional supplement to the university register, for institutions not in the bundled list
LANDING_REFERENCE_UNIVERSITIES = Path("reference") / "universities.csv"


def landing_dir() -> Path:
    return Path(os.environ.get("PORTAL_LANDING") or DEFAULT_LANDING)


def reference_dir() -> Path:
    """The reference lists: the bundled ones, or an edited copy named by PORTAL_REFERENCE_DIR."""
    return Path(os.environ.get("PORTAL_REFERENCE_DIR") or REFERENCE_DIR)


def secret_file() -> Path:
    """Where the pseudonymisation key lives when PORTAL_SECRET is not set: outside the warehouse."""
    explicit = os.environ.get("PORTAL_SECRET_FILE")
    if explicit:
        return Path(explicit)
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config_home / "school-enterprise-portal" / "hmac.key"


# --- codes -----------------------------------------------------------------------------------------
#: unified social credit code (GB 32100-2015): 18 characters, no I, O, S, V, Z
USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{18}$"

# --- the readers' limits (docs/data-contracts.md, "Files that are refused") -------------------------------
#: the cells an XLSX sheet may span from A1 to its furthest cell, empty ones included: the reader holds them all
#: (2.5x a national placements year, ~650,000 rows x 12 columns; 1,048,576 rows x 19 columns)
XLSX_MAX_CELLS = 20_000_000
#: the XML an XLSX workbook's parts may inflate to, in all (a national placements year is ~300 MB of it)
XLSX_MAX_INFLATED_BYTES = 2 << 30
#: how many times its own size a workbook's parts may inflate to, once past XLSX_INFLATION_FLOOR: sheets as Excel
#: writes them deflate 5-30 times, zip bombs thousands
XLSX_MAX_INFLATION = 100
XLSX_INFLATION_FLOOR = 64 << 20
XLSX_MAX_PARTS = 10_000
#: a sheet whose cells are not written as Excel writes them (`<c r="A1"`) is followed tag by tag, up to this size
XLSX_MAX_UNUSUAL_BYTES = 64 << 20
#: a CSV file larger than this is refused (its text is held in memory while it is checked): ~11x a national
#: placements year (88 MB)
TEXT_MAX_BYTES = 1 << 30
#: a cell longer than this is quarantined: the most an Excel cell holds
MAX_CELL_CHARS = 32_767
#: a CSV line longer than this is quarantined (DuckDB's reader's default)
CSV_MAX_LINE_BYTES = 2_000_000
