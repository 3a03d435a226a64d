"""The dashboard's settings: what the pages show first and hide, and the portal's own state (accounts,
sign-in, sessions, public pages, submissions' size).

They live in `dashboard/` because only the dashboard reads them (and `portal dashboard`/`portal users`,
which start or administer it). The dashboard reads the warehouse's and the sources' settings from
`warehouse/settings.py` and `sources/settings.py`, upstream of it; nothing upstream imports this module.
"""

from __future__ import annotations

import os
from pathlib import Path

from sources.settings import secret_file
from warehouse.settings import warehouse_path

# --- what the pages show ---------------------------------------------------------------------------
#: the study levels of the gap marts, and the one the dashboard shows first
STUDY_LEVELS = ("专科", "本科", "研究生")
DEFAULT_STUDY_LEVEL = "本科"
#: the level of master's and doctor's positions, which no catalogue supplies: its demand is shown on its own
GRADUATE_LEVEL = "研究生"

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
#: previews of uploaded files (dashboard/submitting.check) that may run at once in one dashboard server, and how
#: many seconds one more waits for a turn before the page asks to try again: a preview runs the loader in the
#: server's own process, and a 20 MB workbook can take well over a gigabyte and a minute of both cores
PREVIEWS_AT_ONCE = 2
PREVIEW_WAIT_SECONDS = 3.0


def portal_state_url(warehouse: Path | None = None) -> str:
    """The state database: PORTAL_STATE_URL (an SQLAlchemy URL, e.g. postgresql://portal@db/portal, or
    sqlite:////srv/portal/state.sqlite), else a SQLite file beside the published warehouse (`warehouse`, by
    default PORTAL_WAREHOUSE's), never in it."""
    explicit = os.environ.get("PORTAL_STATE_URL")
    if explicit:
        return explicit
    return f"sqlite:///{(warehouse or warehouse_path()).resolve().parent / PORTAL_STATE_FILE}"


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
