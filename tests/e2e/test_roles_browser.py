"""Each role signed in in a real browser (issue 26): the sidebar lists the pages that role may open and says
whose scope it is; a page shows the viewer's own rows and no other party's name; a reload keeps the sign-in
and signing out ends it. Against the real `portal dashboard` server on the demo warehouse, with one account of
each role (tests/e2e/conftest.py, ROLE_ACCOUNTS). Which names are another party's is read from the warehouse's
dims here, never from the dashboard's queries."""

from __future__ import annotations

import duckdb
import pytest

from tests.e2e.conftest import ARTIFACTS, CHROMIUM, NO_CHROMIUM, ROLE_ACCOUNTS, STAFF
from tests.e2e.test_dashboard_browser import LOAD_MS, VIEWPORT, sign_in, wait_for_app

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM)

SHARED = ["总览", "专业", "产业", "实习", "校企配对", "专业评分", "技能"]
#: what each role's sidebar lists, in the navigation's order
NAVIGATION = {
    "education": SHARED,
    "university": [*SHARED, "提交数据"],
    "enterprise": [*SHARED, "提交数据"],
    "data_staff": [*SHARED, "数据", "账户管理", "提交数据"],
}
ROLE_NAMES = {"education": "教育主管部门", "university": "高校", "enterprise": "企业", "data_staff": "数据管理员"}


def sql(warehouse, query: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(query, params or []).fetchall()


def others(names: dict[str, str], own: str) -> list[str]:
    """The names of every party but `own` (leaving out a name that is part of the own one, which the page
    shows with it)."""
    return [name for code, name in names.items() if code != own and name and name not in names[own]]


def sidebar_pages(page):
    """The sidebar's page links, to assert on with `expect`, which waits while a sign-in redraws them."""
    return page.get_by_test_id("stSidebarNav").get_by_role("link")


def expect_no_staff_pages(page) -> None:
    from playwright.sync_api import expect

    expect(sidebar_pages(page).filter(has_text="数据")).to_have_count(0)  # neither 数据 nor 提交数据


def choices_of(page, label: str) -> list[str]:
    """The options of the sidebar's selectbox with this label (年份, 培养层次, 省份, 城市)."""
    page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text=label).click()
    options = page.get_by_role("option")
    options.first.wait_for(timeout=LOAD_MS)
    texts = [t.strip() for t in options.all_inner_texts()]
    page.keyboard.press("Escape")
    return texts


@pytest.mark.parametrize("role", list(NAVIGATION))
def test_each_role_sees_its_own_pages_and_rows_and_no_other_partys(dashboard_server, demo_build, browser, role):
    from playwright.sync_api import expect

    account = STAFF if role == "data_staff" else ROLE_ACCOUNTS[role]
    scope = dashboard_server.scopes.get(role)
    warehouse = demo_build.warehouse
    universities = dict(sql(warehouse, "SELECT university_code, university_name FROM dims.university"))
    enterprises = dict(sql(warehouse, "SELECT enterprise_id, enterprise_name FROM dims.enterprise "
                                      "WHERE enterprise_name IS NOT NULL"))
    # tall enough that the sidebar's filters, under the data staff's ten pages, open their lists on screen
    context = browser.new_context(viewport={**VIEWPORT, "height": 1400}, locale="zh-CN")
    page = context.new_page()
    sidebar = page.get_by_test_id("stSidebar")
    try:
        page.goto(f"{dashboard_server.url}/?lang=zh")
        wait_for_app(page)
        expect_no_staff_pages(page)
        sign_in(page, "zh", account)
        expect(sidebar_pages(page)).to_have_text(NAVIGATION[role])
        expect(sidebar.get_by_text(f"（{ROLE_NAMES[role]}，")).to_be_visible()

        provinces = choices_of(page, "省份")
        if role == "education":
            assert provinces == [scope]  # one province: no region, no other province to choose
        elif role == "data_staff":
            assert {"辽宁省", "吉林省", "黑龙江省"} <= set(provinces)

        page.goto(f"{dashboard_server.url}/pairings?lang=zh")
        wait_for_app(page)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        shown = page.get_by_test_id("stMain").text_content()
        if role == "university":
            assert universities[scope] in shown
            leaked = [name for name in others(universities, scope) if name in shown]
            assert not leaked, f"another university's name on the university's page: {leaked}"
        elif role == "enterprise":
            assert enterprises[scope] in shown
            leaked = [name for name in others(enterprises, scope) if name in shown]
            assert not leaked, f"another enterprise's name on the enterprise's page: {leaked}"
        elif role == "education":  # the province's enterprises, none of another province's
            province_of = dict(sql(warehouse, "SELECT enterprise_id, province_name FROM dims.enterprise"))
            assert any(name in shown for code, name in enterprises.items() if province_of[code] == scope)
            leaked = [name for code, name in enterprises.items() if province_of[code] != scope and name in shown]
            assert not leaked, f"another province's enterprises on the province's page: {leaked}"
        page.screenshot(path=str(ARTIFACTS / f"role-{role}-pairings.png"), full_page=True)

        if role != "data_staff":  # the data staff's pages, asked for by their address: refused, nothing shown
            for path, heading in (("data", "数据：来源文件与构建"), ("admin", "账户管理")):
                page.goto(f"{dashboard_server.url}/{path}?lang=zh")
                wait_for_app(page)
                expect(page.get_by_test_id("stMain").get_by_role("heading", name=heading)).to_have_count(0)
                assert "audit" not in page.get_by_test_id("stMain").text_content()
                # said in the page's language, not by Streamlit's English "Page not found" dialog
                expect(page.get_by_test_id("stMain").get_by_text("只有数据管理员可以查看此页。")).to_be_visible()
                expect(page.get_by_text("Page not found")).to_have_count(0)

        page.reload()  # the cookie keeps the sign-in
        wait_for_app(page)
        expect(sidebar.get_by_text("已登录：")).to_be_visible(timeout=LOAD_MS)
        expect(sidebar_pages(page)).to_have_text(NAVIGATION[role])

        sidebar.get_by_role("button", name="退出登录").click()
        wait_for_app(page)
        expect(sidebar.get_by_text("已退出登录")).to_be_visible(timeout=LOAD_MS)
        expect(sidebar.get_by_role("button", name="登录", exact=True)).to_be_visible()
        expect_no_staff_pages(page)
        page.reload()
        wait_for_app(page)
        expect(sidebar.get_by_role("button", name="登录", exact=True)).to_be_visible(timeout=LOAD_MS)
    finally:
        context.close()
