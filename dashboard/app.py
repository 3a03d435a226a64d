"""The dashboard's entry point: `streamlit run dashboard/app.py` (or `portal dashboard`).

It sets the page, the language, who is looking (auth.py: signed in or not, role and scope) and the sidebar
filters once for every page, then runs the page the URL names if this viewer may open it. Pages live in
`app_pages/`, one per user's question; URL paths are stable (the end-to-end tests and bookmarks use them):
/ /majors /industries /internships /pairings /scorecard /skills /data /admin /submit. /data and /admin are for the data staff only;
/submit for universities, enterprises and the data staff.
"""

import sys
from pathlib import Path

import streamlit as st

# `streamlit run dashboard/app.py` puts dashboard/ on sys.path, not the project root the packages live in
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dashboard import auth, queries, ui  # noqa: E402
from dashboard import labels as L  # noqa: E402

PAGES_DIR = Path(__file__).resolve().parent / "app_pages"
#: (file, title key, URL path)
PAGES = (
    ("overview.py", "page_overview", ""),
    ("majors.py", "page_majors", "majors"),
    ("industries.py", "page_industries", "industries"),
    ("internships.py", "page_internships", "internships"),
    ("pairings.py", "page_pairings", "pairings"),
    ("scorecard.py", "page_scorecard", "scorecard"),
    ("skills.py", "page_skills", "skills"),
    ("data.py", "page_data", "data"),
    ("admin.py", "page_admin", "admin"),
    ("submit.py", "page_submit", "submit"),
)

ui.freeze_startup_objects()
ui.sync_language()
st.set_page_config(page_title=L.t("app_title"), layout="wide")
# before the navigation: a refreshed or bookmarked /data must find its signed-in viewer to be listed
viewer = auth.current_viewer()
# Every page is registered, those this viewer may not open hidden from its navigation: an address it may not
# open then comes here and gets a page in its language saying who may open it, rather than Streamlit's English
# "Page not found" dialog. Whether a page runs is decided below, never by the navigation.
navigation = st.navigation([
    st.Page(PAGES_DIR / file, title=L.t(title), url_path=path or None, default=not path,
            visibility="visible" if auth.listed(viewer, auth.page_key(path)) else "hidden")
    for file, title, path in PAGES
])
ui.language_switch()
auth.sidebar(viewer)
page = auth.page_key(navigation.url_path)

if not auth.may_open(viewer, page):
    auth.refused_page(viewer, page, navigation.title)
elif page in ("admin", "submit"):  # accounts and submitting need no warehouse
    navigation.run()
elif not queries.is_ready() or not queries.years():  # missing, unbuilt, or built from no files
    ui.no_warehouse_page()
else:
    try:
        ui.filters()
        navigation.run()
    except queries.WarehouseUnavailable as error:
        st.warning(L.t("warehouse_error", error=L.plain(error)))
