"""Every dashboard page opened in a real browser, in Chinese and in English, against the real server on the
demo warehouse: it finishes running, shows no error, has its heading in the page's language, draws its charts,
and leaves a full-page screenshot in tests/artifacts/e2e/ for a person to look at."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from tests.e2e.conftest import ARTIFACTS, CHROMIUM, NO_CHROMIUM, STAFF

# Decided before any fixture runs, so a machine without Chromium does not build a warehouse for nothing.
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM)

CJK = re.compile(r"[\u3400-\u9fff]")
VIEWPORT = {"width": 1440, "height": 900}
LOAD_MS = 60_000  # a cold first run reads the warehouse; 2 shared cores can be slow


@dataclass(frozen=True)
class DashboardPage:
    path: str
    zh: str  # the heading a Chinese reader sees (the page names, in Chinese)
    en: str  # the English heading
    charts: bool  # whether the page answers its question with at least one chart


PAGES = [
    DashboardPage("", "总览", "Overview", charts=True),
    DashboardPage("majors", "专业", "Majors", charts=True),
    DashboardPage("industries", "产业", "Industries", charts=True),
    DashboardPage("internships", "实习", "Internships", charts=True),
    DashboardPage("pairings", "校企配对", "Pairing", charts=False),
    DashboardPage("scorecard", "专业评分", "Scorecard", charts=True),
    DashboardPage("skills", "技能", "Skills", charts=True),
    DashboardPage("data", "数据", "Data", charts=False),
]


def wait_for_app(page) -> None:
    """Until the websocket is up, the script has run to its end and no element is still a loading skeleton."""
    from playwright.sync_api import expect

    expect(page.locator("[data-testid='stApp'][data-test-connection-state='CONNECTED']")).to_be_attached(
        timeout=LOAD_MS)
    # data-test-script-state goes initial -> running -> notRunning on every run
    expect(page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")).to_be_attached(
        timeout=LOAD_MS)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=LOAD_MS)
    expect(page.get_by_test_id("stSpinner")).to_have_count(0, timeout=LOAD_MS)


SIGN_IN_FORM = {"zh": ("用户名", "密码", "登录", "已登录"), "en": ("User name", "Password", "Sign in", "Signed in")}


def sign_in(page, lang: str = "zh", account: tuple[str, str] = STAFF) -> None:
    """Sign in with the sidebar's form of the page open now; the cookie keeps the sign-in for the next pages."""
    from playwright.sync_api import expect

    user_label, password_label, button, signed_in = SIGN_IN_FORM[lang]
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_label(user_label, exact=True).fill(account[0])
    sidebar.get_by_label(password_label, exact=True).fill(account[1])
    sidebar.get_by_role("button", name=button, exact=True).click()
    expect(sidebar.get_by_text(signed_in)).to_be_visible(timeout=LOAD_MS)
    wait_for_app(page)


CHART_SIZES = """() => [...document.querySelectorAll("[data-testid='stVegaLiteChart']")].map(chart => {
    const drawing = chart.querySelector('canvas, svg');
    if (!drawing) return null;
    const box = drawing.getBoundingClientRect();
    return [Math.round(box.width), Math.round(box.height)];
})"""


#: what each chart's legends say and in which colours (Vega draws SVG, or canvas for large data: then None)
CHART_LEGENDS = """() => [...document.querySelectorAll("[data-testid='stVegaLiteChart']")].map(chart => {
    if (!chart.querySelector('svg')) return null;
    return {
        titles: [...chart.querySelectorAll('.role-legend-title text')].map(t => t.textContent),
        fills: [...chart.querySelectorAll('.role-legend-symbol path')].map(p => (p.getAttribute('fill') || '').toLowerCase()),
    };
})"""


def wait_for_charts_to_settle(page, seconds: float = 20.0) -> list:
    """Vega draws a chart in steps after the script has finished; wait until every chart keeps its size."""
    samples: list = []
    for _ in range(int(seconds / 0.25)):
        samples = [*samples[-2:], page.evaluate(CHART_SIZES)]
        if len(samples) == 3 and samples[0] == samples[1] == samples[2] and None not in samples[2]:
            return samples[2]
        page.wait_for_timeout(250)
    if samples and None in samples[-1]:
        raise AssertionError(f"a chart was never drawn (no canvas or svg) within {seconds} s: {samples[-1]}")
    raise AssertionError(f"the charts kept changing for {seconds} s: {samples}")


def full_page_screenshot(page, name: str) -> None:
    """Streamlit scrolls inside its main block, not the document, so grow the viewport to the content first."""
    height = page.evaluate(
        "() => Math.max(...['stMain', 'stSidebar'].map("
        "t => document.querySelector(`[data-testid='${t}']`)?.scrollHeight ?? 0))")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": min(max(height, VIEWPORT["height"]), 12_000)})
    wait_for_charts_to_settle(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(VIEWPORT)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("spec", PAGES, ids=[p.path or "overview" for p in PAGES])
def test_page_renders_in_the_browser(dashboard_server, browser, spec: DashboardPage, lang: str):
    from playwright.sync_api import expect

    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN" if lang == "zh" else "en-US")
    page = context.new_page()
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    try:
        query = "?lang=en" if lang == "en" else ""
        if spec.path:  # only the Overview is public: sign in on it first, as a person would
            page.goto(f"{dashboard_server.url}/{query}")
            wait_for_app(page)
            sign_in(page, lang)
        url = f"{dashboard_server.url}/{spec.path}{query}"
        page.goto(url)
        wait_for_app(page)

        # no traceback and no error box
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)

        heading = page.locator("h1").first
        expect(heading).to_contain_text(spec.zh if lang == "zh" else spec.en, timeout=5_000)
        if lang == "en":
            assert not CJK.search(heading.inner_text()), f"Chinese left in the English heading of /{spec.path}"
            nav = page.get_by_test_id("stSidebarNav").inner_text()
            assert not CJK.search(nav), f"Chinese left in the English navigation: {nav!r}"

        if spec.charts:
            charts = page.get_by_test_id("stVegaLiteChart")
            expect(charts.first).to_be_attached(timeout=10_000)
            sizes = wait_for_charts_to_settle(page)
            small = [size for size in sizes if size[0] < 100 or size[1] < 100]
            assert not small, f"charts drawn too small to read on /{spec.path}: {sizes}"
            # every chart says what its colours mean; status charts draw shortage, balanced and surplus in the
            # palette's colours (METRICS.md "Colours")
            legends = [legend for legend in page.evaluate(CHART_LEGENDS) if legend is not None]
            assert legends and all(legend["titles"] and all(legend["titles"]) for legend in legends), legends
            if spec.path in ("", "majors", "industries"):
                from dashboard import palette

                verdicts = {palette.STATUS_COLOURS[s].lower() for s in palette.CORE_STATUSES}
                assert any(verdicts <= set(legend["fills"]) for legend in legends), legends

        full_page_screenshot(page, f"{spec.path or 'overview'}-{lang}")
        assert not script_errors, f"JavaScript errors on /{spec.path}: {script_errors}"
    finally:
        context.close()


def test_english_and_the_year_stay_when_moving_between_pages(dashboard_server, browser):
    """A reader who chose English and an earlier year keeps both after clicking to another page."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        page.goto(f"{dashboard_server.url}/?lang=en")
        wait_for_app(page)
        sign_in(page, "en")  # the Majors page is for signed-in viewers
        year_box = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").first
        chosen = year_box.inner_text().strip().splitlines()[-1]
        year_box.click()
        options = page.get_by_role("option")
        other = next(text for text in options.all_inner_texts() if text.strip() != chosen).strip()
        options.filter(has_text=other).first.click()
        wait_for_app(page)
        expect(page.locator("h1").first).to_contain_text(other)

        page.get_by_test_id("stSidebarNav").get_by_text("Majors", exact=True).click()
        wait_for_app(page)
        expect(page).to_have_url(re.compile(r"/majors"))
        heading = page.locator("h1").first
        expect(heading).to_contain_text("Majors")
        expect(heading).to_contain_text(other)
        assert not CJK.search(page.get_by_test_id("stSidebarNav").inner_text())
    finally:
        context.close()


def test_a_sign_in_survives_a_reload_and_sign_out_ends_it(dashboard_server, browser):
    """The sign-in is kept by a cookie (not the address): a reload, or a bookmark of a staff-only page, finds the
    viewer signed in; after signing out, the same pages ask for a sign-in again."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        page.goto(f"{dashboard_server.url}/")
        wait_for_app(page)
        sign_in(page)
        assert STAFF[0] not in page.url and "portal_session" not in page.url
        [cookie] = [c for c in context.cookies() if c["name"] == "portal_session"]
        assert cookie["sameSite"] == "Strict" and cookie["expires"] > 0
        page.goto(f"{dashboard_server.url}/data")
        wait_for_app(page)
        expect(page.locator("h1").first).to_contain_text("数据")
        page.reload()
        wait_for_app(page)
        expect(page.locator("h1").first).to_contain_text("数据")
        page.get_by_test_id("stSidebar").get_by_role("button", name="退出登录").click()
        wait_for_app(page)
        expect(page.get_by_test_id("stSidebar").get_by_text("已退出登录")).to_be_visible()
        page.wait_for_function("() => !document.cookie.includes('portal_session=')", timeout=LOAD_MS)
        page.goto(f"{dashboard_server.url}/majors")
        wait_for_app(page)
        expect(page.get_by_text("登录后才能查看此页")).to_be_visible()
    finally:
        context.close()


def test_chinese_labels_have_a_font():
    """Without a CJK font Chromium draws every Chinese label as an empty box, in the screenshots too."""
    import subprocess

    family = subprocess.run(["fc-match", "-f", "%{family}", "sans-serif:lang=zh-cn"],
                            capture_output=True, text=True, check=True).stdout
    assert "CJK" in family, f"no CJK font for Chinese text (fc-match gives {family!r}): install fonts-noto-cjk"


#: the headers of the columns each table's grid draws on screen (the data grid keeps an accessible copy of the
#: cells it draws, and draws only the columns in view)
SHOWN_HEADERS = """() => [...document.querySelectorAll("[data-testid='stDataFrame']")].map(
    table => [...table.querySelectorAll("th, [role='columnheader']")].map(h => h.textContent.trim()))"""


@pytest.mark.parametrize(("path", "lang", "first", "key_columns"), [
    ("", "en", "Major", ["Major", "Alignment", "Supply (people)", "Demand (people)"]),  # top shortage majors
    ("industries", "zh", "行业代码", ["行业", "状态", "供需比", "供给（人）", "需求（人）"]),
    ("majors", "zh", "专业代码", ["专业", "状态", "建议", "原因", "供需比"]),
])
def test_a_tables_key_columns_are_in_view_at_1440_px(dashboard_server, browser, path, lang, first, key_columns):
    """A planner sees a table's verdict without scrolling sideways: status, advice and reason come early and
    narrow columns leave room for them."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN" if lang == "zh" else "en-US")
    page = context.new_page()
    try:
        page.goto(f"{dashboard_server.url}/?lang={lang}")
        wait_for_app(page)
        if path:
            sign_in(page, lang)
            page.goto(f"{dashboard_server.url}/{path}?lang={lang}")
            wait_for_app(page)
        table = page.get_by_test_id("stDataFrame").first
        table.scroll_into_view_if_needed()
        page.wait_for_timeout(500)  # the grid draws its cells after it scrolled into view
        page.screenshot(path=str(ARTIFACTS / f"columns-{path or 'overview'}-{lang}.png"))
        [shown] = [headers for headers in page.evaluate(SHOWN_HEADERS) if headers and headers[0] == first][:1]
        missing = [c for c in key_columns if c not in shown]
        assert not missing, f"/{path} ({lang}): {missing} out of view; in view: {shown}"
    finally:
        context.close()
