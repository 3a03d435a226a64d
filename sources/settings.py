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
#: projected supply = enrolment this many years earlier, by level (catalogue levels are normalised to these)
PROJECTION_LAG_YEARS = {"本科": 4, "专科": 3}
#: the dashboard shows no student count, or ratio over students, for a group of 1 to this − 1 students
#: (DESIGN.md "Personal data": small groups are suppressed)
MIN_GROUP_SIZE = 5
#: the geography name of the whole region in the gap marts
REGION_GEOGRAPHY = "northeast"
