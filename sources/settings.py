"""The one settings module: default paths, code formats and metric thresholds.

It lives in `sources/`, the most upstream package, so every layer (warehouse, pipelines, dashboard)
can read it without data flowing backwards.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"

# --- paths -----------------------------------------------------------------------------------------
DEFAULT_LANDING = REPO_ROOT / "sources" / "landing"
DEFAULT_WAREHOUSE = REPO_ROOT / "warehouse" / "portal.duckdb"

SOURCE_SUFFIXES = (".csv", ".txt", ".xlsx")
#: optional supplement to the university register, for institutions not in the bundled list
LANDING_REFERENCE_UNIVERSITIES = Path("reference") / "universities.csv"


def landing_dir() -> Path:
    return Path(os.environ.get("PORTAL_LANDING") or DEFAULT_LANDING)


def warehouse_path() -> Path:
    return Path(os.environ.get("PORTAL_WAREHOUSE") or DEFAULT_WAREHOUSE)


def build_wait_seconds() -> float:
    """How long a build waits for another build holding the lock (PORTAL_BUILD_WAIT; 0: refuse at once)."""
    return float(os.environ.get("PORTAL_BUILD_WAIT") or 0)


def previous_retention_days() -> float:
    """How long the previous publication (kept for `portal rollback`) is kept after a newer one replaced it
    (PORTAL_PREVIOUS_RETENTION_DAYS, default 7): it still holds the rows of files deleted since, so it is
    deleted at the first build or rollback after that."""
    return float(os.environ.get("PORTAL_PREVIOUS_RETENTION_DAYS") or 7)


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

# --- metrics (shared/METRICS.md) ---------------------------------------------------------------
SHORTAGE_ALIGNMENT = 1.25  # alignment >= this is a shortage
SURPLUS_ALIGNMENT = 0.80  # alignment <= this is a surplus
#: a status needs this much evidence in its geography, level and year: positions' worth of demand and
#: graduates of supply; below them it is insufficient_data (METRICS.md v2 "Enough evidence")
MIN_DEMAND = 20
MIN_SUPPLY = 20
#: the study levels of the gap marts, and the one the dashboard shows first
STUDY_LEVELS = ("专科", "本科", "研究生")
DEFAULT_STUDY_LEVEL = "本科"
#: cards (绿牌/黄牌/红牌) are judged over this many latest survey years of a province (METRICS.md v2 "Cards")
CARD_YEARS = 3
#: projected supply = enrolment this many years earlier, by level (catalogue levels are normalised to these)
PROJECTION_LAG_YEARS = {"本科": 4, "专科": 3}
#: the dashboard shows no student count, or ratio over students, for a group of 1 to this − 1 students
#: (DESIGN.md "Personal data": small groups are suppressed)
MIN_GROUP_SIZE = 5
#: the geography name of the whole region in the gap marts
REGION_GEOGRAPHY = "northeast"

# --- the portal's own state: accounts, sign-in, submissions (DESIGN.md "Portal state") -------------
#: the state database's file name beside the published warehouse, when PORTAL_STATE_URL names none
PORTAL_STATE_FILE = "portal_state.sqlite"
#: failed sign-ins in a row that lock an account, and for how long
SIGN_IN_ATTEMPTS = 5
LOCKOUT_MINUTES = 15
#: the shortest password a person may choose (generated ones are longer)
MIN_PASSWORD_LENGTH = 10
#: how long a sign-in lasts (a page refresh keeps it) when PORTAL_SESSION_HOURS is not set
DEFAULT_SESSION_HOURS = 12.0
#: pages anyone may open without signing in, when PORTAL_PUBLIC_PAGES is not set
DEFAULT_PUBLIC_PAGES = "overview"
#: the largest file the Submit page accepts, in MB (also server.maxUploadSize in .streamlit/config.toml and
#: the flag `portal dashboard` passes, so Streamlit refuses a larger one before it is read into memory)
MAX_UPLOAD_MB = 20


def portal_state_url() -> str:
    """The state database: PORTAL_STATE_URL (an SQLAlchemy URL, e.g. postgresql://portal@db/portal, or
    sqlite:////srv/portal/state.sqlite), else a SQLite file beside the published warehouse, never in it."""
    explicit = os.environ.get("PORTAL_STATE_URL")
    if explicit:
        return explicit
    return f"sqlite:///{warehouse_path().resolve().parent / PORTAL_STATE_FILE}"


def session_secret_file() -> Path:
    """Where the key that signs sign-in cookies lives when PORTAL_SESSION_SECRET is not set: beside the
    pseudonymisation key, outside the warehouse and the repository, but a different key."""
    explicit = os.environ.get("PORTAL_SESSION_SECRET_FILE")
    if explicit:
        return Path(explicit)
    return secret_file().with_name("session.key")


def session_hours() -> float:
    """How long a sign-in lasts (PORTAL_SESSION_HOURS)."""
    return float(os.environ.get("PORTAL_SESSION_HOURS") or DEFAULT_SESSION_HOURS)


def public_pages() -> str:
    """PORTAL_PUBLIC_PAGES: the pages open without signing in, comma-separated (`overview,majors`), `all`, or
    empty for none (set but empty: sign-in required for everything)."""
    value = os.environ.get("PORTAL_PUBLIC_PAGES")
    return DEFAULT_PUBLIC_PAGES if value is None else value


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
