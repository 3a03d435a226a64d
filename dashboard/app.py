"""The dashboard's entry point: `streamlit run dashboard/app.py` (or `portal dashboard`).

It sets the page, the language and the sidebar filters once for every page, then runs the page the URL
names. Pages live in `app_pages/`, one per user's question; URL paths are stable (the end-to-end tests
and bookmarks use them): / /majors /industries /internships /pairings /data.
"""

import sys
from pathlib import Path

import streamlit as st

# `streamlit run dashboard/app.py` puts dashboard/ on sys.path, not the project root the packages live in
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dashboard import labels as L  # noqa: E402
from dashboard import queries, ui  # noqa: E402

PAGES_DIR = Path(__file__).resolve().parent / "app_pages"
#: (file, title key, URL path)
PAGES = (
    ("overview.py", "page_overview", ""),
    ("majors.py", "page_majors", "majors"),
    ("industries.py", "page_industries", "industries"),
    ("internships.py", "page_internships", "internships"),
    ("pairings.py", "page_pairings", "pairings"),
    ("data.py", "page_data", "data"),
)

ui.sync_language()
st.set_page_config(page_title=L.t("app_title"), layout="wide")
navigation = st.navigation([
    st.Page(PAGES_DIR / file, title=L.t(title), url_path=path or None, default=not path)
    for file, title, path in PAGES
])
ui.language_switch()

if not queries.is_ready() or not queries.years():  # missing, unbuilt, or built from no files
    ui.no_warehouse_page()
else:
    try:
        ui.filters()
        navigation.run()
    except queries.WarehouseUnavailable as error:
        st.warning(L.t("warehouse_error", error=error))
