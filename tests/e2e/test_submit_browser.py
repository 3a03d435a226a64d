"""Submitting data in a real browser (issue 26): a university uploads a catalogue with bad rows, sees before
confirming the rows that will load and each quarantined row with its row, column and reason, confirms, and
sees its submission waiting for a build, then loaded after one; an enterprise fills in the survey form,
submits it, and after a build its position is in the gap figures. Against the
real `portal dashboard` server with a landing folder and state database of its own (no warehouse is needed
to hand data in)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sources.settings import REPO_ROOT
from tests.conftest import csv_bytes
from tests.e2e.conftest import (
    ARTIFACTS,
    CHROMIUM,
    NO_CHROMIUM,
    SERVER_START_SECONDS,
    DashboardServer,
    free_port,
    stop_group,
    wait_until_healthy,
)
from tests.e2e.test_dashboard_browser import LOAD_MS, VIEWPORT, sign_in, wait_for_app
from tests.test_submit import CATALOGUE_HEADER, CATALOGUE_ROWS

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM)

UNIVERSITY = ("e2e-neu", "e2e university password")
ENTERPRISE = ("e2e-firm", "e2e enterprise password")
ENTERPRISE_ID = "91210100MA0TEXT01X"
SECRET = "browser submit test pseudonymisation key, long enough"


def build(landing: Path) -> str:
    """`portal build` of the landing folder into the warehouse the server serves, as the sensor or the page's
    button starts it; the build's id."""
    import duckdb

    warehouse = landing.parent / "portal.duckdb"
    env = {**os.environ, "PORTAL_SECRET": SECRET, "DAGSTER_HOME": str(landing.parent / "dagster_home"),
           "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", "build", "--landing", str(landing),
                           "--warehouse", str(warehouse)], env=env, cwd=REPO_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT build_id FROM audit.build").fetchone()[0]


@pytest.fixture(scope="module")
def submit_server(tmp_path_factory) -> Iterator[tuple[DashboardServer, Path]]:
    """`portal dashboard` with an empty landing folder, no warehouse yet and a university and an enterprise
    account: (the server, its landing folder); the warehouse it serves is `portal.duckdb` beside the folder."""
    from dashboard import portal_state

    root = tmp_path_factory.mktemp("e2e-submit")
    landing = root / "landing"
    landing.mkdir()
    state_url = f"sqlite:///{root / 'portal_state.sqlite'}"
    portal_state.add_account(UNIVERSITY[0], "university", "10145", UNIVERSITY[1], "E2E 东北大学", actor="test",
                             url=state_url)
    portal_state.add_account(ENTERPRISE[0], "enterprise", ENTERPRISE_ID, ENTERPRISE[1], "E2E 企业", actor="test",
                             url=state_url)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "submit-server.log"
    port = free_port()
    env = {**os.environ, "PORTAL_STATE_URL": state_url, "PORTAL_LANDING": str(landing),
           "PORTAL_SESSION_SECRET": "browser submit test session key, long enough", "PORTAL_SECRET": SECRET}
    env.pop("PORTAL_PUBLIC_PAGES", None)
    portal = Path(sys.executable).with_name("portal")
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [str(portal), "dashboard", "--port", str(port), "--warehouse", str(root / "portal.duckdb")],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True, env=env)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/_stcore/health", process, log, SERVER_START_SECONDS)
        yield DashboardServer(f"http://127.0.0.1:{port}", process, log), landing
    finally:
        stop_group(process)


def open_submit_page(browser, server: DashboardServer, account: tuple[str, str]):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True)
    # without the file-system picker the grid's CSV button saves as an ordinary download
    context.add_init_script("delete window.showSaveFilePicker;")
    page = context.new_page()
    page.goto(f"{server.url}/?lang=zh")
    wait_for_app(page)
    sign_in(page, "zh", account)
    page.goto(f"{server.url}/submit?lang=zh")  # the cookie keeps the sign-in
    wait_for_app(page)
    return context, page


def grid_text(page) -> str:
    """What the data grids on the page hold, as their own "Download as CSV" button gives it (a grid is drawn on
    a canvas: its cells are not in the page's text). Waits for the first grid: on a busy machine the page's
    text can be there before its grids are drawn."""
    from playwright.sync_api import expect

    wait_for_app(page)
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=LOAD_MS)
    texts = []
    for grid in page.get_by_test_id("stDataFrame").all():
        grid.hover()  # (the grid's toolbar is drawn while the pointer is over it)
        with page.expect_download(timeout=LOAD_MS) as download:
            # sent to the button itself: a click at its place on screen was taken by a caption or the grid's
            # scroller laid over the toolbar while the page was still settling, or the enterprise's positions grid
            # under the form's fields covering its own toolbar
            grid.get_by_role("button", name="Download as CSV").dispatch_event("click")
        texts.append(Path(download.value.path()).read_text(encoding="utf-8-sig"))
    return "\n".join(texts)


def test_a_university_uploads_a_file_with_bad_rows_sees_the_preview_and_confirms(browser, submit_server):
    from playwright.sync_api import expect

    server, landing = submit_server
    context, page = open_submit_page(browser, server, UNIVERSITY)
    try:
        main = page.get_by_test_id("stMain")
        expect(main.get_by_role("heading", name="提交数据")).to_be_visible()
        page.locator("input[type='file']").set_input_files(
            files=[{"name": "目录.csv", "mimeType": "text/csv", "buffer": csv_bytes(CATALOGUE_HEADER, CATALOGUE_ROWS)}])
        confirm = main.get_by_role("button", name="确认提交（载入 1 行）")
        expect(confirm).to_be_visible(timeout=LOAD_MS)
        # the three counts, waited for: the button can be drawn while the metrics beside it are half drawn
        expect(main.get_by_test_id("stMetricLabel")).to_have_text(["读取行数", "将载入", "将隔离"])
        expect(main.get_by_test_id("stMetricValue")).to_have_text(["3", "1", "2"])
        preview = grid_text(page)
        for shown in ("行", "列", "原因", "enrolment", "not a whole number: '一百'", "university_code",
                      "is outside the scope of the submitter"):
            assert shown in preview, preview
        assert not list(landing.rglob("*.csv"))  # nothing is written before the confirmation

        confirm.click()
        expect(main.get_by_text("已提交 目录.csv，等待下一次构建载入。")).to_be_visible(timeout=LOAD_MS)
        wait_for_app(page)
        assert "等待构建" in grid_text(page)
        [written] = landing.rglob("*.csv")
        assert written.relative_to(landing).parts[:3] == ("catalogue", "submissions", "university-10145")
        page.screenshot(path=str(ARTIFACTS / "submit-university.png"), full_page=True)

        # after a build, the page says it is loaded, in which build, with its counts
        build_id = build(landing)
        page.reload()
        wait_for_app(page)
        mine = grid_text(page)
        assert f"已在构建 {build_id} 中载入" in mine and "等待构建" not in mine, mine
        [row] = [line for line in mine.splitlines() if build_id in line]
        assert row.endswith(",3,1,2,0"), row  # read, loaded, quarantined, of these since replaced
        page.screenshot(path=str(ARTIFACTS / "submit-university-loaded.png"), full_page=True)
    finally:
        context.close()


def test_an_enterprise_fills_in_the_survey_form_and_submits_it(browser, submit_server):
    from playwright.sync_api import expect

    server, landing = submit_server
    context, page = open_submit_page(browser, server, ENTERPRISE)
    try:
        main = page.get_by_test_id("stMain")
        # no warehouse holds this enterprise yet: its industry and city are asked for, not preset
        for label, typed, option in (("所属行业", "I65", "I65 软件和信息技术服务业"), ("所在城市", "沈阳", "沈阳市")):
            box = main.get_by_test_id("stSelectbox").filter(has_text=label)
            expect(box.get_by_role("combobox")).to_have_attribute("placeholder", "请选择")
            box.click()
            page.keyboard.type(typed)
            page.get_by_role("option", name=option).click()
            wait_for_app(page)
        main.get_by_label("岗位", exact=True).fill("软件工程师")
        main.get_by_label("岗位", exact=True).press("Enter")
        wait_for_app(page)
        majors = main.get_by_test_id("stMultiSelect")
        majors.click()
        page.keyboard.type("080902")  # the choice of real majors is searchable
        page.get_by_role("option", name="软件工程 (080902)").click()
        page.keyboard.press("Escape")
        wait_for_app(page)
        main.get_by_role("button", name="添加岗位").click()
        wait_for_app(page)
        submit = main.get_by_role("button", name="提交问卷（1 个岗位）")
        expect(submit).to_be_visible(timeout=LOAD_MS)
        expect(main.get_by_text("上表的 1 个岗位即为该年的全部回答")).to_be_visible()  # what submitting replaces
        assert "软件工程师" in grid_text(page)
        submit.click()
        expect(main.get_by_text("个岗位将载入，0 个被隔离。")).to_be_visible(timeout=LOAD_MS)
        [written] = (landing / "survey").rglob("*.csv")
        assert written.relative_to(landing).parts[:3] == ("survey", "submissions", f"enterprise-{ENTERPRISE_ID}")
        assert "软件工程师" in written.read_text(encoding="utf-8-sig") and ENTERPRISE_ID in written.read_text(
            encoding="utf-8-sig")
        page.screenshot(path=str(ARTIFACTS / "submit-enterprise-form.png"), full_page=True)

        # after the build, its position is in the gap figures: demand for 软件工程 where there was none
        import duckdb

        build(landing)
        with duckdb.connect(str(landing.parent / "portal.duckdb"), read_only=True) as con:
            demand = con.execute(
                "SELECT sum(demand) FROM marts.major_gap WHERE geography_level = 'region' AND major_code = '080902' "
                "AND NOT is_projection").fetchone()[0]
        assert demand and demand > 0, demand
    finally:
        context.close()
