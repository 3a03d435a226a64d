"""Server time of every dashboard page on a published warehouse: each page once with an empty query cache
(what the first visitor after a new publication waits for), then once warm, then a filter change.

    PORTAL_WAREHOUSE=… .venv/bin/python benchmarks/dashboard_pages.py [WAREHOUSE]

The goal is under 1 s per page at national scale (scale 100). Times are Streamlit's AppTest running the
real page scripts in process, so they exclude the browser's drawing but include every query and chart.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
PAGES = ("overview", "majors", "industries", "internships", "pairings", "data")


def main() -> None:
    if len(sys.argv) > 1:
        os.environ["PORTAL_WAREHOUSE"] = sys.argv[1]
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()  # imports and the first connection are not part of a page's time
    for label in ("cold", "warm"):
        for page in PAGES:
            if label == "cold":
                st.cache_data.clear()
            at.switch_page(f"app_pages/{page}.py")
            start = time.perf_counter()
            at.run()
            elapsed = time.perf_counter() - start
            if at.exception:
                raise SystemExit(f"/{page}: {at.exception[0].value}")
            print(f"{label:5} {page:12} {elapsed:5.2f} s")
    at.switch_page("app_pages/overview.py").run()
    st.cache_data.clear()
    start = time.perf_counter()
    at.selectbox(key="w_province").select_index(1).run()  # the first province
    print(f"cold  overview, a province chosen {time.perf_counter() - start:5.2f} s")


if __name__ == "__main__":
    main()
