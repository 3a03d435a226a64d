"""The dashboard as its users meet it, driven by Streamlit's AppTest over the real demo warehouse.

Expected figures are recomputed here from the base marts (major_gap, internship_coverage, ...) with plain
SQL in METRICS.md terms, never taken from the dashboard's own queries or the marts built for it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import shown_markdown

# every test here renders the dashboard (conftest.py, collected_garbage)
pytestmark = pytest.mark.usefixtures("collected_garbage")

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
PAGES = ("overview", "majors", "industries", "internships", "pairings", "scorecard", "skills", "data")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
REGION = "northeast"


@pytest.fixture(scope="module")
def warehouse(demo_build, tmp_path_factory) -> Path:
    """A private copy of the demo warehouse (some tests replace it, as a new publication would)."""
    copy = tmp_path_factory.mktemp("dashboard") / "portal.duckdb"
    shutil.copyfile(demo_build.warehouse, copy)
    return copy


#: the accounts the tests sign in with: user name -> (role, scope, password)
ACCOUNTS = {
    "staff": ("data_staff", None, "staff password 1"),
    "liaoning": ("education", "辽宁省", "education password 1"),
    "neu": ("university", "10145", "university password 1"),
    "enterprise": ("enterprise", None, "enterprise password 1"),  # scope: the demo's busiest enterprise
}


@pytest.fixture(scope="module")
def state_url(tmp_path_factory, warehouse) -> str:
    """A state database of the module's own with the test accounts (hashing passwords is slow: made once)."""
    from dashboard import portal_state

    url = f"sqlite:///{tmp_path_factory.mktemp('state') / 'portal_state.sqlite'}"
    for username, (role, scope, password) in ACCOUNTS.items():
        if role == "enterprise":
            scope = busiest_enterprise(warehouse)
        portal_state.add_account(username, role, scope, password, username.capitalize(), actor="test", url=url)
    return url


@pytest.fixture
def accounts(state_url, monkeypatch) -> str:
    monkeypatch.setenv("PORTAL_STATE_URL", state_url)
    monkeypatch.setenv("PORTAL_SESSION_SECRET", "dashboard test session key, long enough")
    monkeypatch.delenv("PORTAL_PUBLIC_PAGES", raising=False)
    return state_url


def busiest_enterprise(warehouse: Path) -> str:
    return sql(warehouse, "SELECT b.enterprise_id FROM facts.placements AS p JOIN dims.base AS b USING (base_id) "
                          "GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 1")[0][0]


#: the sidebar's one answer to a refused sign-in, whatever the reason
REFUSED = "用户名或密码不正确，或账户已锁定（连续 5 次登录失败后锁定 15 分钟）或已停用。如需帮助，请联系数据管理员。"


def sign_in(at: AppTest, username: str, password: str | None = None) -> AppTest:
    """Sign in with the sidebar's form, as a person does."""
    at.text_input(key="w_sign_in_user").input(username)
    at.text_input(key="w_sign_in_password").input(password if password is not None else ACCOUNTS[username][2])
    at.button(key="w_sign_in").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def app(warehouse, accounts, monkeypatch):
    """Open a page of the dashboard (optionally in a language, signed in as one of ACCOUNTS; the Overview is
    public, every other page is opened signed in as data staff unless told otherwise) and return the AppTest."""
    monkeypatch.setenv("PORTAL_WAREHOUSE", str(warehouse))

    def _open(page: str = "overview", lang: str | None = None, user: str | None = None) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60)
        if lang:
            at.query_params["lang"] = lang
        at.run()
        user = user or (None if page == "overview" else "staff")
        if user:
            sign_in(at, user)
        if page != "overview":
            at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return _open


def sql(warehouse: Path, query: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(query, params or []).fetchall()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(at: AppTest) -> list[str]:
    """Every piece of text a user reads on the page, apart from the data inside tables and charts."""
    out = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning",
                                "error", "success") for e in getattr(at, kind)]
    for m in at.metric:
        out += [m.label, m.value, str(m.delta or "")]
    for frame in at.dataframe:
        out += [str(c) for c in frame.value.columns]
    for widget in [*at.selectbox, *at.radio]:
        out.append(widget.label)
        # the language switch names each language in itself; enterprises are named as registered (the
        # surveys carry no English names), as in the tables
        if widget.key not in ("w_lang", "w_pairings_enterprise"):
            out += [str(o) for o in widget.options]
    out += [b.label for b in at.download_button]
    return out


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.spec) for e in at.get("vega_lite_chart")]


def chart_rows(at: AppTest) -> list[dict]:
    """The rows every chart on the page plots (Streamlit sends a chart's data apart from its spec, as Arrow)."""
    import pyarrow as pa

    return [row for e in at.get("vega_lite_chart") for d in e.proto.datasets
            for row in pa.ipc.open_stream(d.data.data).read_pandas().to_dict("records")]


# --- every page renders --------------------------------------------------------------------------
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_tables_and_downloads(app, page):
    at = app(page)
    assert at.title and not at.error
    assert at.dataframe, "each page shows at least one table"
    if page not in ("pairings", "data"):
        assert chart_specs(at), "a page about supply, demand or internships draws them"
    # every table can be downloaded as CSV and as XLSX
    labels = [b.label for b in at.download_button]
    assert labels.count("下载 CSV") == labels.count("下载 Excel") == len(at.dataframe)
    assert at.query_params.get("lang") == "zh"  # the address says which language the page is in


@pytest.mark.parametrize("page", PAGES)
def test_english_pages_have_no_chinese_left(app, page):
    at = app(page, lang="en")
    leftovers = [text for text in texts(at) if CJK.search(text)]
    assert not leftovers, leftovers
    for spec in chart_specs(at):  # chart titles, axes, legends and the names they plot
        assert not CJK.search(json.dumps(spec, ensure_ascii=False)), spec.get("title")
    # names of majors, industries, cities and universities in tables are the English ones
    for frame in at.dataframe:
        for column in ("Major", "Industry", "City", "University", "Pillar industry"):
            if column in frame.value.columns:
                chinese = [v for v in frame.value[column].dropna().astype(str) if CJK.search(v)]
                assert not chinese, (column, chinese[:3])
    assert at.query_params.get("lang") == "en"


# --- Overview: the headline figures are the metrics of METRICS.md -------------------------------
def expected_headline(warehouse: Path, level: str, geography: str, year: int,
                      study_level: str = "本科") -> dict[str, float]:  # 本科: the level the Overview shows first
    [(graduates, demand, shortage)] = sql(warehouse, """
        SELECT sum(supply), sum(demand), count(*) FILTER (WHERE status = 'shortage')
        FROM marts.major_gap WHERE geography_level = ? AND geography = ? AND year = ?
        AND level = ?""", [level, geography, year, study_level])
    # internships (docs/metrics.md "Internships"), from the facts: the marts per university and major hide
    # groups under five students, whose placements still count in a geography's total; the level's own
    # graduates (the catalogue's level) and the placements of its majors (the major's level)
    [(placed, graduates_covered, relevant, not_relevant, hired, completed, employed, reporting)] = sql(
        warehouse, """
        WITH graduates AS (
            SELECT university_code, major_code, sum(graduates) AS graduates, sum(employed_in_province) AS employed
            FROM facts.supply WHERE year = ? AND NOT is_projection AND level = ? GROUP BY ALL
        ),
        placed AS (
            SELECT university_code, major_code,
                   count(DISTINCT student_key) FILTER (WHERE internship_type IN ('production', 'graduation'))
                       AS students,
                   count(*) FILTER (WHERE internship_type IN ('production', 'graduation')
                                    AND relevance = 'relevant') AS relevant,
                   count(*) FILTER (WHERE internship_type IN ('production', 'graduation')
                                    AND relevance = 'not_relevant') AS not_relevant,
                   count(*) FILTER (WHERE internship_type = 'graduation' AND outcome = 'hired') AS hired,
                   count(*) FILTER (WHERE internship_type = 'graduation' AND outcome = 'completed') AS completed
            FROM facts.placements JOIN dims.major AS m USING (major_code)
            WHERE year = ? AND m.level = ? GROUP BY ALL
        )
        SELECT sum(students) FILTER (WHERE graduates > 0), sum(graduates), sum(relevant), sum(not_relevant),
               sum(hired), sum(completed), sum(employed), sum(graduates) FILTER (WHERE employed IS NOT NULL)
        FROM graduates FULL JOIN placed USING (university_code, major_code)
        JOIN dims.university AS u USING (university_code)
        WHERE ? = 'region' OR (? = 'province' AND u.province_name = ?) OR (? = 'city' AND u.city_name = ?)""",
        [year, study_level, year, study_level, level, level, geography, level, geography])
    return {
        "graduates": graduates, "demand": demand, "shortage": shortage,
        "coverage": placed / graduates_covered, "relevance": relevant / (relevant + not_relevant),
        "conversion": hired / (hired + completed), "retention": employed / reporting,
    }


def shown(expected: dict[str, float]) -> dict[str, str]:
    """The figures as the Overview prints them: whole people, percentages to one decimal."""
    return {
        "毕业生（供给）": f"{expected['graduates']:,.0f}",
        "调查需求人数": f"{expected['demand']:,.0f}",
        "紧缺专业数": f"{expected['shortage']:,.0f}",
        "实习覆盖率": f"{100 * expected['coverage']:.1f}%",
        "专业对口率": f"{100 * expected['relevance']:.1f}%",
        "留用率": f"{100 * expected['conversion']:.1f}%",
        "本省就业率": f"{100 * expected['retention']:.1f}%",
    }


def test_overview_headline_figures_equal_the_marts(app, warehouse):
    at = app("overview")
    [(latest,)] = sql(warehouse, "SELECT max(year) FROM marts.major_gap")
    assert f"{latest}" in at.title[0].value
    assert metrics(at) == shown(expected_headline(warehouse, "region", REGION, latest))
    # change against last year, e.g. graduates
    last = expected_headline(warehouse, "region", REGION, latest - 1)
    now = expected_headline(warehouse, "region", REGION, latest)
    delta = {m.label: m.delta for m in at.metric}
    assert delta["毕业生（供给）"] == f"{now['graduates'] - last['graduates']:+,.0f}"
    assert delta["实习覆盖率"] == f"{100 * (now['coverage'] - last['coverage']):+.1f} 个百分点"


def test_choosing_a_province_and_year_changes_the_figures(app, warehouse):
    at = app("overview", user="staff")  # the public sees the provinces, not the cities
    region_figures = metrics(at)
    at.selectbox(key="w_province").select("吉林省").run()
    at.selectbox(key="w_year").select(2023).run()
    assert "吉林省" in at.title[0].value and "2023" in at.title[0].value
    assert metrics(at) == shown(expected_headline(warehouse, "province", "吉林省", 2023)) != region_figures
    at.selectbox(key="w_city").select("长春市").run()
    assert metrics(at) == shown(expected_headline(warehouse, "city", "长春市", 2023))


def test_top_shortage_table_lists_the_most_aligned_shortage_majors(app, warehouse):
    at = app("overview")
    [(latest,)] = sql(warehouse, "SELECT max(year) FROM marts.major_gap")
    expected = [r[0] for r in sql(warehouse, """
        SELECT major_name FROM marts.major_gap
        WHERE geography_level = 'region' AND year = ? AND status = 'shortage' AND level = '本科'
        ORDER BY alignment DESC NULLS FIRST, demand DESC, supply DESC LIMIT 10""", [latest])]
    assert at.dataframe[0].value["专业"].tolist() == expected


def test_filters_persist_when_moving_between_pages(app):
    at = app("overview", user="staff")
    at.selectbox(key="w_province").select("辽宁省").run()
    at.selectbox(key="w_city").select("沈阳市").run()
    at.selectbox(key="w_year").select(2024).run()
    for page in ("majors", "industries", "internships", "pairings", "data", "overview"):
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception
        assert at.selectbox(key="w_city").value == "沈阳市"
        assert at.selectbox(key="w_year").value == 2024
        if page != "data":
            assert "沈阳市" in at.title[0].value and "2024" in at.title[0].value


def test_language_survives_page_switches(app):
    at = app("overview", lang="en", user="staff")
    at.switch_page("app_pages/majors.py").run()
    assert at.title[0].value.startswith("Majors") and at.query_params.get("lang") == "en"
    at.radio(key="w_lang").set_value("zh").run()
    assert at.title[0].value.startswith("专业") and at.query_params.get("lang") == "zh"


# --- Majors: the planner's story --------------------------------------------------------------------
def test_majors_page_shows_software_short_and_marketing_in_surplus_in_shenyang_with_reasons(app, warehouse):
    at = app("majors")
    at.selectbox(key="w_province").select("辽宁省").run()
    at.selectbox(key="w_city").select("沈阳市").run()
    table = next(f.value for f in at.dataframe if "建议" in f.value.columns).set_index("专业代码")
    [(latest,)] = sql(warehouse, "SELECT max(year) FROM marts.major_gap")
    software, marketing = table.loc["080902"], table.loc["120202"]
    assert (software["状态"], software["建议"]) == ("紧缺", "扩大招生")
    assert (marketing["状态"], marketing["建议"]) == ("过剩", "缩减招生")
    # a city shows its province's status, and the reason quotes the province's figures (the labour market)
    [(alignment,)] = sql(warehouse, """SELECT alignment FROM marts.major_gap WHERE geography = '辽宁省'
                                       AND year = ? AND major_code = '080902' AND level = '本科'""", [latest])
    assert "辽宁省" in software["原因"] and f"{alignment:.2f}" in software["原因"] and "≥ 1.25" in software["原因"]
    assert "≤ 0.8" in marketing["原因"]


def test_majors_page_for_one_university_judges_its_majors_on_its_city(app, warehouse):
    at = app("majors")
    at.selectbox(key="w_university").select("10145").run()  # 东北大学, in Shenyang
    table = next(f.value for f in at.dataframe if "所在城市状态" in f.value.columns)
    [(latest,)] = sql(warehouse, "SELECT max(year) FROM marts.major_gap")
    expected = dict(sql(warehouse, """
        SELECT ic.major_code, ic.graduates FROM marts.internship_coverage AS ic
        WHERE ic.university_code = '10145' AND ic.year = ? AND ic.graduates IS NOT NULL""", [latest]))
    assert dict(zip(table["专业代码"], table["毕业生（人）"])) == expected
    assert set(table["建议"]) <= {"扩大招生", "保持", "缩减招生", "考虑开设或引进", "核实需求", "由省内供给", "暂不判断",
                                 "—"}


def taught_by(warehouse: Path, university: str) -> set[str]:
    [(latest,)] = sql(warehouse, "SELECT max(year) FROM marts.major_gap")
    return {c for (c,) in sql(warehouse, "SELECT major_code FROM marts.internship_coverage WHERE university_code = ? "
                                         "AND year = ? AND level = '本科' AND graduates IS NOT NULL",
                              [university, latest])}


def test_a_university_planner_lands_on_its_own_university_and_a_major_it_teaches(app, warehouse):
    at = app("majors", user="neu")
    university = at.selectbox(key="w_university")
    assert (university.value, university.options[1:]) == ("10145", ["东北大学"])  # not the whole area
    assert any("所在城市状态" in f.value.columns for f in at.dataframe)  # its own majors' table
    major = at.selectbox(key="majors_major").value
    assert major in taught_by(warehouse, "10145")
    # what employers ask of it and which of those skills its courses teach: not "no data for this selection"
    assert any("课程覆盖" in f.value.columns for f in at.dataframe) or at.info


def test_the_major_detail_follows_the_chosen_university(app, warehouse):
    at = app("majors", user="staff")
    assert at.selectbox(key="w_university").value == ""  # the data staff start with the whole area
    for code in ("10145", "10183"):
        at.selectbox(key="w_university").select(code).run()
        assert at.selectbox(key="majors_major").value in taught_by(warehouse, code), code


# --- Skills and pay -----------------------------------------------------------------------------------
def test_skills_page_says_which_majors_ask_for_plc_and_at_what_share(app, warehouse):
    at = app("skills")
    at.selectbox(key="w_skills_skill").select("plc").run()
    assert not at.exception, [e.value for e in at.exception]
    [(latest,)] = sql(warehouse, "SELECT max(year) FROM marts.skill_demand")
    expected = dict(sql(warehouse, "SELECT major_code, skill_share FROM marts.skill_demand WHERE skill_id = 'plc' "
                                   "AND level = '本科' AND geography_level = 'region' AND year = ?", [latest]))
    table = at.dataframe[0].value
    assert dict(zip(table["专业代码"], table["技能占比"])) == pytest.approx(expected)
    assert expected["080204"] > 0.5  # mechatronics employers ask for PLC in most positions
    # where: each city's PLC demand with the pay of its PLC positions there (— below five positions)
    cities = next(f.value for f in at.dataframe if "城市" in f.value.columns)
    pay = dict(sql(warehouse, "SELECT geography, salary_median FROM marts.salary WHERE breakdown = 'skill' AND "
                              "skill_id = 'plc' AND geography_level = 'city' AND year = ?", [latest]))
    names = dict(sql(warehouse, "SELECT city_name_en, city_name FROM dims.city"))
    shown = {city: (None if pd.isna(median) else median) for city, median in zip(cities["城市"], cities["月薪中位数（元）"])}
    assert len(shown) > 1 and shown == {city: pay.get(city) for city in shown}
    assert len(set(cities["月薪中位数（元）"].dropna())) > 1, "each city has its own pay"
    assert set(cities["城市"]) <= set(names.values())
    # who teaches it: 机械电子工程's core courses include PLC原理与应用
    teaching = next(f.value for f in at.dataframe if "核心课程" in f.value.columns)
    assert any("PLC" in c for c in teaching["核心课程"])


def test_skills_page_follows_the_level_filter(app, warehouse):
    """With 学历层次 本科 the PLC table and chart list the majors of bachelor-level positions only (no 专科 major such
    as 460301 机电一体化技术), each share over that level's positions; with 专科, the vocational majors."""
    at = app("skills")
    at.selectbox(key="w_skills_skill").select("plc").run()
    [(latest,)] = sql(warehouse, "SELECT max(year) FROM facts.demand")

    def expected(level: str) -> dict[str, float]:
        # from the positions themselves: Σ headcount / k naming PLC over Σ headcount / k, among the level's rows
        return dict(sql(warehouse, """
            SELECT d.major_code, sum(d.demand) FILTER (WHERE s.skill_id IS NOT NULL) / sum(d.demand)
            FROM facts.demand AS d
            LEFT JOIN facts.position_skills AS s ON s.position_id = d.position_id AND s.skill_id = 'plc'
            WHERE d.level = ? AND d.year = ? GROUP BY d.major_code
            HAVING bool_or(s.skill_id IS NOT NULL)""", [level, latest]))

    vocational = {c for (c,) in sql(warehouse, "SELECT major_code FROM reference.majors WHERE level = '专科'")}
    for level in ("本科", "专科"):
        at.selectbox(key="w_study_level").select(level).run()
        assert not at.exception, [e.value for e in at.exception]
        table = at.dataframe[0].value
        shown = dict(zip(table["专业代码"], table["技能占比"]))
        assert shown == pytest.approx(expected(level)) and shown
        charted = {row["major"] for row in chart_rows(at) if "major" in row}
        names = dict(zip(table["专业"], table["专业代码"]))
        assert charted and charted <= set(names)
        if level == "本科":
            assert not set(shown) & vocational, "专科 majors on the bachelor page"
            assert "460301" not in shown
        else:
            assert set(shown) <= vocational and "460301" in shown


def test_majors_page_shows_what_employers_ask_and_what_a_universitys_courses_miss(app, warehouse):
    at = app("majors")
    at.selectbox(key="w_university").select("10145").run()  # 东北大学, in Shenyang
    at.selectbox(key="majors_major").select("080202").run()
    assert not at.exception, [e.value for e in at.exception]
    [(latest,)] = sql(warehouse, "SELECT max(year) FROM marts.skill_gap")
    gaps = dict(sql(warehouse, "SELECT skill_name, is_gap FROM marts.skill_gap WHERE university_code = '10145' "
                               "AND major_code = '080202' AND year = ?", [latest]))
    table = next(f.value for f in at.dataframe if "课程覆盖" in f.value.columns)
    assert dict(zip(table["技能"], table["课程覆盖"] == "否")) == gaps
    assert gaps["SolidWorks 三维建模"] is True  # the demo's 080202 teaches no 3D modelling
    # the issue's story: Liaoning's employers of 机械设计制造及其自动化 ask for PLC, which 东北大学's courses do not teach
    [(share,)] = sql(warehouse, "SELECT skill_share FROM marts.skill_demand WHERE skill_id = 'plc' AND major_code = "
                                "'080202' AND level = '本科' AND geography = '辽宁省' AND year = ?", [latest])
    assert share >= 0.10 and gaps["PLC 编程"] is True


# --- Internships, Pairings, Data ---------------------------------------------------------------------
def test_internships_page_for_an_enterprise_counts_its_bases_placements(app, warehouse):
    at = app("internships")
    at.selectbox(key="w_internships_view").select("enterprise").run()
    enterprise = at.selectbox(key="w_internships_enterprise").value
    [(latest,)] = sql(warehouse, "SELECT max(year) FROM facts.placements")
    # placements are production and graduation internships (cognitive visits apart), groups by students; the
    # majors of the level shown (本科 first)
    rows = {major: (count, students) for major, count, students in sql(warehouse, """
        SELECT major_code, count(*), count(DISTINCT student_key) FROM facts.placements
        WHERE year = ? AND internship_type IN ('production', 'graduation')
          AND major_code IN (SELECT major_code FROM dims.major WHERE level = '本科')
          AND base_id IN (SELECT base_id FROM dims.base WHERE enterprise_id = ?) GROUP BY major_code""",
        [latest, enterprise])}
    by_major = next(f.value for f in at.dataframe if "专业对口率" in f.value.columns and "实习人次" in f.value.columns)
    shown_rows = dict(zip(by_major["专业代码"], by_major["实习人次"]))
    assert set(shown_rows) == set(rows)
    assert any(students >= 5 for _, students in rows.values())
    for major, (count, students) in rows.items():  # majors with under five students placed are left blank
        if students >= 5:
            assert shown_rows[major] == count, major
        else:
            assert pd.isna(shown_rows[major]), major


def test_internships_page_hides_figures_of_groups_under_five_students(app, warehouse):
    # a university-major-year with one to four students placed (production or graduation internships)
    small = sql(warehouse, """SELECT university_code, major_code, year FROM facts.placements
                              WHERE internship_type IN ('production', 'graduation') GROUP BY ALL
                              HAVING count(DISTINCT student_key) BETWEEN 1 AND 4 ORDER BY ALL LIMIT 1""")
    [(university, major, year)] = small
    at = app("internships")
    at.selectbox(key="w_year").select(year).run()
    at.selectbox(key="w_internships_university").select(university).run()
    table = next(f.value for f in at.dataframe if "实习覆盖率" in f.value.columns and "本省就业率" in f.value.columns
                 and "毕业生（人）" in f.value.columns).set_index("专业代码")
    assert table.loc[major, ["实习学生（人）", "实习覆盖率", "专业对口率", "留用率"]].isna().all()
    # and says why under the table
    assert any(c.value.startswith("本表“—”的原因") and "少于 5 人" in c.value for c in at.caption), \
        [c.value for c in at.caption]
    # groups of five or more are shown as the mart has them
    large = dict(sql(warehouse, """SELECT major_code, coverage FROM marts.internship_coverage
                                   WHERE university_code = ? AND year = ? AND placements >= 5""", [university, year]))
    assert large and all(table.loc[m, "实习覆盖率"] == pytest.approx(c) for m, c in large.items())


def test_pairings_filter_by_major(app, warehouse):
    at = app("pairings")
    all_rows = len(at.dataframe[0].value)
    [(latest,)] = sql(warehouse, "SELECT max(year) FROM marts.pairing_suggestions")
    [(entries, enterprises)] = sql(warehouse, "SELECT count(DISTINCT (enterprise_id, major_code)), "
                                              "count(DISTINCT enterprise_id) FROM marts.pairing_suggestions "
                                              "WHERE year = ? AND level = '本科'", [latest])
    assert any(f"共 {entries:,} 项需求（企业 × 专业），涉及 {enterprises:,} 家企业" in m.value for m in at.markdown)
    at.selectbox(key="w_pairings_major").select("080902").run()
    table = at.dataframe[0].value
    [(expected,)] = sql(warehouse, "SELECT count(DISTINCT enterprise_id) FROM marts.pairing_suggestions "
                                   "WHERE year = ? AND level = '本科' AND major_code = '080902'", [latest])
    assert len(table) == expected < all_rows
    assert set(table["专业"]) == {"软件工程"}


def test_pairings_show_one_entry_per_enterprise_and_major_with_universities_and_reasons(app, warehouse):
    """Issue 25: one entry per enterprise × major (not one row per suggestion), the suggested universities with
    their interns in the entry itself, and, for a picked enterprise, each university's reason quoting its
    unplaced pool."""
    at = app("pairings")
    table = at.dataframe[0].value
    assert len(table) > 0
    assert not table.duplicated(["企业", "专业"]).any()
    [(latest,)] = sql(warehouse, "SELECT max(year) FROM marts.pairing_suggestions")
    first = table.iloc[0]
    suggestions = sql(warehouse, """
        SELECT s.enterprise_id, s.university_name, s.interns, s.pool, s.graduates, s.placements
        FROM marts.pairing_suggestions s
        WHERE s.year = ? AND s.level = '本科' AND s.enterprise_name = ? AND s.major_name = ? ORDER BY s.choice""",
                      [latest, first["企业"], first["专业"]])
    assert suggestions
    assert first["建议人数"] == sum(n for _, _, n, *_ in suggestions) <= first["需要人数"]
    for _, university, interns, *_ in suggestions:
        assert f"{university} {interns:,} 人" in first["建议高校及人数"]
    at.selectbox(key="w_pairings_enterprise").select(suggestions[0][0]).run()
    shown = "\n".join(m.value for e in at.expander for m in e.markdown)
    for _, university, interns, pool, graduates, placements in suggestions:
        reason = (f"未安置毕业生 {pool:,} 人（毕业生 {graduates:,} 人 − 已实习 {placements:,} 人）" if placements is not None
                  else f"毕业生 {graduates:,} 人，已实习不足 5 人，不公开人数")
        assert f"**{university} {interns:,} 人** — {reason}" in shown, shown
    assert "供需比 -" not in shown and "人，岗位 -" not in shown  # a surplus quoted is never negative


#: an enterprise's name as a phisher would register it: in Markdown, an image fetched from an outside host and a
#: link under the portal's name
HOSTILE_NAME = ("哈尔滨某国际贸易有限公司 ![t](http://127.0.0.1:8619/track.png) "
                "[账户已过期，请点此重新登录](http://127.0.0.1:8619/phish)")
HOSTILE_UNIVERSITY = "某大学 <img src=x onerror=alert(1)> **粗体** :red[红字] www.example.com"


def test_plain_shows_a_text_from_data_as_written_in_markdown():
    from dashboard import labels as L

    for value in (HOSTILE_NAME, HOSTILE_UNIVERSITY, "# 标题", "1. 第一", "- 列表", "a\\b_c*d*", "`代码`", "$x$",
                  "第一行\n- 第二行"):
        rendered, text = shown_markdown(L.plain(value))
        assert not re.search(r"<(?!/?p>)", rendered), (value, rendered)  # only the paragraph: no link, image,
        # emphasis, code, heading or list
        assert text == value.replace("\n", "\\n"), (value, text)  # a line break is shown as an escape
        # nor any of what GitHub's and Streamlit's Markdown add: a bare URL, :colour[…], $maths$
        assert not re.search(r"(?<!\\)(://|www\.|:red\[|\$)", L.plain(value)), value


def test_a_name_from_data_is_shown_on_the_pairings_page_as_written_never_as_a_link_or_image(
        warehouse, accounts, monkeypatch, tmp_path):
    """An enterprise names itself in its survey: on /pairings another viewer sees that name as text in the entry's
    label and its details, not a live link or an image fetched from the host it names."""
    tampered = tmp_path / "portal.duckdb"
    shutil.copyfile(warehouse, tampered)
    with duckdb.connect(str(tampered)) as con:
        con.execute("UPDATE marts.pairing_suggestions SET enterprise_name = ?", [HOSTILE_NAME])
        con.execute("UPDATE marts.pairing_suggestions SET university_name = ?", [HOSTILE_UNIVERSITY])
    monkeypatch.setenv("PORTAL_WAREHOUSE", str(tampered))
    at = sign_in(AppTest.from_file(str(APP), default_timeout=60).run(), "staff")
    at.switch_page("app_pages/pairings.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.expander
    for expander in at.expander:
        rendered, text = shown_markdown(expander.label)
        assert "<a " not in rendered and "<img" not in rendered and not re.search(r"(?<!\\)://", expander.label)
        assert text.startswith(f"{HOSTILE_NAME}（")
        [details] = [m.value for m in expander.markdown]
        rendered, text = shown_markdown(details)
        assert "<img" not in rendered and "<strong>粗体" not in rendered and "www.example.com" not in details
        assert f"{HOSTILE_UNIVERSITY} " in text


def test_a_pairing_with_a_small_group_placed_says_the_count_is_not_shown(app, warehouse):
    """Groups of fewer than 5 students are suppressed on every page: a university that placed 1 to 4 students of
    the major is suggested with its graduates and the words that the count is not shown, never the count nor
    the unplaced graduates it would give back."""
    at = app("pairings")
    year = at.selectbox(key="w_year").value
    found = sql(warehouse, """
        SELECT enterprise_id, university_name, graduates FROM marts.pairing_suggestions
        WHERE year = ? AND level = '本科' AND suppressed ORDER BY enterprise_id, choice LIMIT 1""", [int(year)])
    assert found, "the demo should suggest a university that placed a small group in the year shown"
    [(enterprise, university, graduates)] = found
    at.selectbox(key="w_pairings_enterprise").select(enterprise).run()
    shown = "\n".join(shown_markdown(m.value)[1] for e in at.expander for m in e.markdown)
    assert f"{university} " in shown and f"毕业生 {graduates:,} 人，已实习不足 5 人，不公开人数（未安置人数同样不公开）" in shown
    assert not re.search(r"已实习 [1-4] 人", shown), shown
    en = app("pairings", lang="en")
    en.selectbox(key="w_pairings_enterprise").select(enterprise).run()
    shown = "\n".join(shown_markdown(m.value)[1] for e in en.expander for m in e.markdown)
    assert f"{graduates:,} graduates; fewer than 5 placed, not shown (nor how many are left unplaced)" in shown
    assert not re.search(r"\b[1-4] placed", shown), shown


def test_data_page_lists_quarantine_without_student_pseudonyms(app, warehouse):
    at = app("data")
    quarantine = next(f.value for f in at.dataframe if "原始内容" in f.value.columns)
    [(count,)] = sql(warehouse, "SELECT count(*) FROM audit.quarantine")
    assert len(quarantine) == count > 0
    assert not quarantine["原始内容"].str.contains("student_key").any()
    load_log = next(f.value for f in at.dataframe if "读取行数" in f.value.columns)
    assert len(load_log) == sql(warehouse, "SELECT count(*) FROM audit.load_log")[0][0]
    # every kind of file the build loaded can be chosen, under the name the load log gives it
    assert set(at.selectbox(key="w_data_kind").options) == {"全部类型", *load_log["类型"]}
    at.selectbox(key="w_data_kind").select("bases").run()
    quarantine = next(f.value for f in at.dataframe if "原始内容" in f.value.columns)
    assert set(quarantine["类型"]) == {"实习基地"}


def test_data_page_shows_the_build_and_its_checks(warehouse, accounts, tmp_path, monkeypatch):
    """The publication's own record (audit.build, audit.checks), with one check marked failed on a copy to
    see that a failure reads as one."""
    recorded = tmp_path / "portal.duckdb"
    shutil.copyfile(warehouse, recorded)
    with duckdb.connect(str(recorded)) as con:
        con.execute("UPDATE audit.checks SET passed = false, detail = 'northeast 2024: 0.97' "
                    "WHERE asset = 'marts/major_gap' AND check_name = 'shares_sum_to_one'")
        [(build_id, published_at)] = con.execute("SELECT build_id, published_at FROM audit.build").fetchall()
        recorded_checks = con.execute("SELECT asset, check_name, passed FROM audit.checks").fetchall()
    monkeypatch.setenv("PORTAL_WAREHOUSE", str(recorded))
    at = sign_in(AppTest.from_file(str(APP), default_timeout=60).run(), "staff")
    at.switch_page("app_pages/data.py").run()
    assert not at.exception
    table = next(f.value for f in at.dataframe if "检查" in f.value.columns).set_index(["数据表", "检查"])
    assert len(recorded_checks) == 5 and sum(not passed for *_, passed in recorded_checks) == 1
    for asset, name, passed in recorded_checks:  # every check of the build, with its result
        assert table.loc[(asset, name), "结果"] == ("通过" if passed else "未通过"), (asset, name)
    assert table.loc[("marts/major_gap", "shares_sum_to_one"), "详情"] == "northeast 2024: 0.97"
    beijing = published_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert any(f"{beijing.year}年{beijing.month}月{beijing.day}日 {beijing:%H:%M}" in m.value for m in at.markdown)
    build = next(f.value for f in at.dataframe if "值" in f.value.columns)
    assert build_id in build["值"].astype(str).tolist()


# --- the warehouse file: missing, unbuilt, replaced ----------------------------------------------
@pytest.mark.parametrize("state", ["missing", "empty file", "empty database"])
def test_no_warehouse_gives_a_page_that_says_how_to_build_one(state, tmp_path, monkeypatch):
    path = tmp_path / "portal.duckdb"
    if state == "empty file":
        path.write_bytes(b"")
    elif state == "empty database":
        duckdb.connect(str(path)).close()
    monkeypatch.setenv("PORTAL_WAREHOUSE", str(path))
    monkeypatch.setenv("PORTAL_PUBLIC_PAGES", "all")  # the pages say the same to anyone
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "还没有可用的数据仓库"
    assert "make demo" in at.info[0].value and "portal build" in at.info[0].value
    at.switch_page("app_pages/majors.py").run()
    assert not at.exception and at.title[0].value == "还没有可用的数据仓库"


def test_a_new_publication_is_shown_without_a_restart(app, warehouse, tmp_path):
    at = app("overview")
    before = metrics(at)["毕业生（供给）"]
    # publish a changed warehouse the way a build does: a finished file renamed over the published one
    staged = tmp_path / "next.duckdb"
    shutil.copyfile(warehouse, staged)
    with duckdb.connect(str(staged)) as con:
        con.execute("UPDATE marts.headline SET graduates = 12345 WHERE geography_level = 'region'")
    original = tmp_path / "original.duckdb"
    shutil.copyfile(warehouse, original)
    try:
        os.replace(staged, warehouse)
        at.run()
        assert metrics(at)["毕业生（供给）"] == "12,345" != before
    finally:
        os.replace(original, warehouse)


def test_downloads_open_in_excel_with_the_headers_and_numbers_shown():
    import io

    import openpyxl
    import pandas as pd

    from dashboard import ui

    shown = pd.DataFrame({"专业": ["软件工程", "市场营销"], "供需比": [2.99, None], "需求（人）": [505.5, 51.0]})
    csv = ui._csv(shown)
    assert csv.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8 Chinese text
    assert pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig").equals(shown)
    sheet = openpyxl.load_workbook(io.BytesIO(ui._xlsx(shown))).active
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["专业", "供需比", "需求（人）"], ["软件工程", 2.99, 505.5], ["市场营销", None, 51]]


# --- signing in: who sees which page -------------------------------------------------------------------
SHARED = ("majors", "industries", "internships", "pairings")


def nav_pages(at: AppTest) -> set[str]:
    """The URL paths of the pages the app registered for this viewer (every page: those it may not open are
    hidden from its navigation, which the browser tests read, and refused when their address is opened)."""
    return {info.get("url_pathname") or "overview" for info in at._registered_pages.values()}


STAFF_ONLY = "只有数据管理员可以查看此页。"


def refused(at: AppTest, page: str) -> list[str]:
    """Open a page by its address as a viewer who may not: what it says, having shown nothing of the page."""
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.dataframe and not at.metric and not at.download_button and not at.get("vega_lite_chart")
    # a heading of its own: nothing reads as if the page had opened
    assert at.title[0].value == ("此页需要其他角色" if at.sidebar.caption else "请先登录")
    return [e.value for e in (*at.warning, *at.info)]


def test_anonymous_visitors_see_only_the_overview(app):
    at = app("overview")
    assert metrics(at) and not at.exception  # the public page, with its figures
    for page in SHARED:
        at.switch_page(f"app_pages/{page}.py").run()
        assert at.title[0].value in {"专业", "产业", "实习", "校企配对"}  # the page's name, no place or year
        assert at.info[0].value == "登录后才能查看此页。请在左侧边栏登录。"
        assert not at.dataframe and not at.metric and not at.get("vega_lite_chart") and not at.download_button
    for page in ("data", "admin"):  # by their address: who may see them, and to sign in
        assert refused(at, page) == [STAFF_ONLY, "登录后才能查看此页。请在左侧边栏登录。"]


def test_public_pages_are_a_setting_that_can_require_sign_in_for_everything(app, monkeypatch):
    monkeypatch.setenv("PORTAL_PUBLIC_PAGES", "")
    at = app("overview")
    assert at.info[0].value == "登录后才能查看此页。请在左侧边栏登录。" and not at.metric
    monkeypatch.setenv("PORTAL_PUBLIC_PAGES", "overview,majors,data")  # the data page can never be public
    at = app("overview")
    at.switch_page("app_pages/majors.py").run()
    assert at.dataframe and not at.info
    assert refused(at, "data")[0] == STAFF_ONLY


def test_data_staff_see_the_data_and_account_pages(app):
    at = app("data", user="staff")
    assert at.title[0].value.startswith("数据") and any("原始内容" in f.value.columns for f in at.dataframe)
    assert "已登录：Staff（数据管理员，全部数据）" in [c.value for c in at.sidebar.caption]
    assert {"data", "admin"} <= set(nav_pages(at))
    at.switch_page("app_pages/admin.py").run()
    assert at.title[0].value == "账户管理" and not at.exception
    accounts = at.dataframe[0].value.set_index("用户名")
    assert accounts.loc["neu", "角色"] == "高校" and accounts.loc["neu", "范围"] == "10145 东北大学"
    assert accounts.loc["liaoning", "范围"] == "辽宁省" and accounts.loc["staff", "范围"] == "全部数据"


def test_data_staff_add_an_account_on_the_account_page_and_its_password_is_shown_once(app):
    from dashboard import portal_state

    at = app("admin", user="staff")
    at.text_input(key="w_admin_username").input("dlut")
    at.text_input(key="w_admin_name").input("大连理工大学")
    at.selectbox(key="w_admin_role").select("university")
    at.text_input(key="w_admin_scope").input("10141")
    at.button(key="w_admin_add").click().run()
    assert not at.exception and at.success[0].value == "已新建账户 dlut。"
    [password] = [c.value for c in at.code]
    assert portal_state.authenticate("dlut", password).viewer == portal_state.Viewer(
        "university", "10141", "dlut", "大连理工大学")
    assert "dlut" in at.dataframe[0].value["用户名"].tolist()
    at.run()
    assert not at.code  # shown once
    audit = at.dataframe[1].value
    assert ((audit["操作"] == "新建账户") & (audit["账户"] == "dlut") & (audit["操作者"] == "staff")).any()
    at.text_input(key="w_admin_username").input("bad")
    at.selectbox(key="w_admin_role").select("university")
    at.text_input(key="w_admin_scope").input("99999")
    at.button(key="w_admin_add").click().run()
    assert at.error[0].value == "院校名单中没有代码为 99999 的高校。" and not at.code


@pytest.mark.parametrize("user", ["liaoning", "neu"])
def test_other_roles_see_the_shared_pages_but_not_data_or_accounts(app, user):
    at = app("majors", user=user)
    assert at.dataframe and not at.info  # signed in: the page itself
    role = {"liaoning": "教育主管部门", "neu": "高校"}[user]
    for page in ("data", "admin"):  # by their address: in the page's language, who may see it and what to do
        assert refused(at, page) == [STAFF_ONLY, f"你当前以{role}身份登录。如需查看，请退出后用有权限的账户登录。"]


def test_five_wrong_passwords_lock_the_account_until_the_lock_runs_out(app, monkeypatch):
    import datetime as dt

    from dashboard import portal_state

    portal_state.add_account("locked-out", "education", "吉林省", "the right password", actor="test")
    at = app("overview")
    for attempt in range(1, 6):
        sign_in(at, "locked-out", f"wrong guess {attempt}")
        assert at.sidebar.error[0].value == REFUSED, attempt  # no count of the tries left: the same to anyone
        assert at.text_input(key="w_sign_in_password").value == ""  # the password never stays in the form
    assert portal_state.get_account("locked-out").locked(portal_state.now())
    sign_in(at, "locked-out", "the right password")  # still locked, and the answer does not say it was right
    assert at.sidebar.error[0].value == REFUSED and not at.sidebar.caption
    later = portal_state.now() + dt.timedelta(minutes=15, seconds=1)
    monkeypatch.setattr(portal_state, "now", lambda: later)
    sign_in(at, "locked-out", "the right password")
    assert not at.sidebar.error
    assert shown_markdown(at.sidebar.caption[0].value)[1] == "已登录：locked-out（教育主管部门，吉林省）"


def test_a_sign_in_answers_the_same_for_an_unknown_name_a_wrong_password_and_a_locked_or_disabled_account(
        app):
    from dashboard import portal_state

    portal_state.add_account("stopped", "education", "吉林省", "the right password", actor="test")
    portal_state.set_disabled("stopped", True, actor="test")
    at = app("overview")
    answers = {}
    for case, username, password in [("unknown name", "nobody-at-all", "some password"),
                                     ("first wrong password", "liaoning", "wrong guess 1"),
                                     ("second wrong password", "liaoning", "wrong guess 2"),
                                     ("third wrong password", "liaoning", "wrong guess 3"),
                                     ("disabled, right password", "stopped", "the right password"),
                                     ("disabled, wrong password", "stopped", "a wrong password")]:
        sign_in(at, username, password)
        answers[case] = at.sidebar.error[0].value
    assert set(answers.values()) == {REFUSED}, answers
    assert not at.sidebar.caption
    en = app("overview", lang="en")
    sign_in(en, "stopped", "the right password")
    assert en.sidebar.error[0].value == ("Wrong user name or password, or the account is locked (5 failed sign-ins "
                                         "in a row lock it for 15 minutes) or disabled. Ask your data staff if you "
                                         "need help.")
    sign_in(at, "liaoning")  # three wrong ones in a row leave the right password working
    assert at.sidebar.caption[0].value.startswith("已登录：Liaoning")


def html_bodies(at: AppTest) -> list[str]:
    return [h.proto.body for h in at.get("html")]


def session_token(at: AppTest) -> str:
    """The token the sign-in's script stores in the browser's cookie."""
    [token] = [m.group(1) for body in html_bodies(at) for m in [re.search(r"portal_session=([^;]+);", body)] if m]
    return token


def test_a_sign_in_survives_a_page_refresh_through_its_cookie_and_sign_out_ends_it(app, monkeypatch):
    from dashboard import auth, portal_state

    at = app("overview", user="staff")
    token = session_token(at)
    assert "SameSite=Strict" in html_bodies(at)[0] and "?" not in token
    assert not any(token in str(v) for v in at.query_params.values())  # never in the address
    # a refresh: a new session whose only memory is the cookie the browser sends with the WebSocket's opening
    # request, which st.context.cookies gives (AppTest has no browser to send it, so it is put there)
    from streamlit.runtime.context import ContextProxy, StreamlitCookies

    monkeypatch.setattr(ContextProxy, "cookies", property(lambda _: StreamlitCookies({auth.COOKIE: token})))
    refreshed = AppTest.from_file(str(APP), default_timeout=60).run()
    assert refreshed.sidebar.caption[0].value.startswith("已登录：Staff")
    refreshed.switch_page("app_pages/data.py").run()
    assert refreshed.title[0].value.startswith("数据")
    refreshed.button(key="w_sign_out").click().run()
    assert refreshed.sidebar.info[0].value == "已退出登录。" and not refreshed.sidebar.caption
    assert any("portal_session=;" in body and "1970" in body for body in html_bodies(refreshed))  # cookie cleared
    # still at /data's address, now refused: nothing of the page, who may see it and to sign in
    assert refreshed.title[0].value == "请先登录" and not refreshed.dataframe
    assert refreshed.warning[0].value == STAFF_ONLY
    assert portal_state.viewer_of_session(token) is None
    # the browser of the first session still holds the old cookie: it opens nothing any more
    again = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not again.sidebar.caption and again.text_input(key="w_sign_in_user")
    at.run()
    assert not at.sidebar.caption  # and the first session is signed out on its next click


def test_a_disabled_account_is_signed_out_on_its_next_click(app):
    from dashboard import portal_state

    portal_state.add_account("soon-gone", "university", "10140", "the right password", actor="test")
    at = sign_in(app("overview"), "soon-gone", "the right password")
    assert at.sidebar.caption
    portal_state.set_disabled("soon-gone", True, actor="staff")
    at.switch_page("app_pages/majors.py").run()
    assert not at.sidebar.caption and at.info[0].value == "登录后才能查看此页。请在左侧边栏登录。"


@pytest.mark.parametrize(("role", "opens"), [
    (None, {"overview"}),
    ("education", {"overview", "majors", "industries", "internships", "pairings"}),
    ("enterprise", {"overview", "majors", "industries", "internships", "pairings"}),
    ("data_staff", {"overview", "majors", "industries", "internships", "pairings", "data", "admin"}),
])
def test_the_entry_point_opens_a_page_only_to_whom_it_is_for(role, opens, monkeypatch):
    """What app.py checks before running any page, listed in the navigation or not."""
    from dashboard import auth
    from dashboard.portal_state import Viewer

    monkeypatch.delenv("PORTAL_PUBLIC_PAGES", raising=False)
    viewer = Viewer(role, None, role)
    pages = {"overview", *SHARED, "data", "admin"}
    assert {page for page in pages if auth.may_open(viewer, page)} == opens
    monkeypatch.setenv("PORTAL_PUBLIC_PAGES", "all")
    assert auth.may_open(Viewer(), "pairings") and not auth.may_open(Viewer(), "data")


@pytest.mark.parametrize("user", ["neu", "enterprise"])
def test_a_university_or_an_enterprise_sees_only_its_own_bases_on_the_internships_page(app, warehouse, user):
    own = "10145" if user == "neu" else busiest_enterprise(warehouse)
    kind = "university" if user == "neu" else "enterprise"
    at = app("internships", user=user)
    for province in ("", "吉林省", "黑龙江省"):  # wherever the filters point
        at.selectbox(key="w_province").select(province).run()
        view = at.selectbox(key="w_internships_view")
        assert (view.value, len(view.options)) == (kind, 1)
        picker = at.selectbox(key=f"w_internships_{kind}")
        assert (picker.value, len(picker.options)) == (own, 1)
        bases = next(f.value for f in at.dataframe if "基地编号" in f.value.columns)
        theirs = {b for (b,) in sql(warehouse, f"SELECT base_id FROM dims.base WHERE {kind}_code = ?"
                                    if kind == "university" else
                                    "SELECT base_id FROM dims.base WHERE enterprise_id = ?", [own])}
        assert len(bases) > 0 and set(bases["基地编号"]) <= theirs
    # data staff still choose any university or enterprise
    staff = app("internships", user="staff")
    assert len(staff.selectbox(key="w_internships_view").options) == 2
    assert len(staff.selectbox(key="w_internships_university").options) > 1


# --- colours, legends and whole people (issue 25) ----------------------------------------------------------
@pytest.mark.parametrize("page", ("overview", "majors", "industries", "internships"))
def test_every_chart_has_a_legend_and_draws_statuses_in_the_planners_colours(app, page):
    from tests.test_palette import colour_channels, colour_of, hue, saturation

    at = app(page)
    specs = chart_specs(at)
    assert specs
    for spec in specs:
        channels = colour_channels(spec)
        assert channels, spec.get("title")
        for channel in channels:
            assert channel.get("legend", {}) is not None and channel.get("title"), spec.get("title")
        colours = colour_of(spec)
        if "紧缺" in colours:
            assert 90 <= hue(colours["紧缺"]) <= 160, colours  # shortage green
            assert hue(colours["过剩"]) <= 20 or hue(colours["过剩"]) >= 340, colours  # surplus red
            assert saturation(colours["平衡"]) < 0.05, colours  # balanced grey


def test_tables_show_people_whole_and_undefined_ratios_as_a_dash_with_why(app):
    at = app("majors")
    table = next(f for f in at.dataframe if "建议" in f.value.columns)
    supply = table.value["供给（人）"].dropna()
    assert len(supply) and (supply == supply.round()).all() and not (supply.astype(str).str.endswith(".0")).any()
    assert (table.value["需求（人）"].dropna() * 10 % 1 < 1e-6).all()  # one decimal at most
    assert table.proto.placeholder == "—"  # a missing figure reads —, not None
    if table.value["供需比"].isna().any():
        assert any(c.value.startswith("“—”表示无法计算") for c in at.caption), [c.value for c in at.caption]


def column_formats(frame) -> dict[str, str | None]:
    """Each column's number format as the table is configured to show it (None: Streamlit's own guess)."""
    config = json.loads(frame.proto.columns or "{}")
    return {c: config.get(c, {}).get("type_config", {}).get("format") for c in frame.value.columns}


@pytest.mark.parametrize("page", [*PAGES, "scorecard_what_if"])
def test_every_number_in_a_table_has_a_format_and_every_status_a_name(app, page):
    """No raw fraction (0.8994), long decimal (74.2112) or status code (unserved) reaches a reader."""
    if page == "scorecard_what_if":
        at = app("scorecard", user="liaoning")
        at.selectbox(key="w_what_if_university").set_value("10145").run()
        at.multiselect(key="w_what_if_majors").select("080902").run()
    else:
        at = app(page)
    assert at.dataframe
    status_names = {"紧缺", "平衡", "过剩", "无供给", "无需求", "省内调入", "数据不足"}
    for frame in at.dataframe:
        formats = column_formats(frame)
        numeric = [c for c in frame.value.columns if pd.api.types.is_numeric_dtype(frame.value[c])
                   and not pd.api.types.is_bool_dtype(frame.value[c])]
        assert all(formats[c] for c in numeric), (page, {c: formats[c] for c in numeric})
        for column in [c for c in frame.value.columns if "状态" in c and c != "近三年状态"]:
            assert set(frame.value[column].dropna()) <= status_names | {"—"}, (page, column)


def test_skill_shares_read_as_percent_and_their_change_in_points(app):
    at = app("skills")
    table = at.dataframe[0]
    assert column_formats(table)["技能占比"] == "percent"
    assert column_formats(table)["占比较上年变化"] == "%+.1f 个百分点"
    changes = table.value["占比较上年变化"].dropna()
    assert len(changes) and changes.abs().max() > 1  # points, not the raw fraction (0.0359)


def test_scores_and_percentiles_show_one_decimal(app):
    at = app("scorecard")
    formats = column_formats(at.dataframe[0])
    assert formats["得分"] == "%.1f"
    assert {f for c, f in formats.items() if c.endswith("百分位")} == {"%.1f"}


def shown_side(text: str) -> str:
    """The status a reader takes from an alignment as shown (two decimals) against the thresholds the pages state."""
    value = float(text)
    return "紧缺" if value >= 1.25 else "过剩" if value <= 0.80 else "平衡"


def test_an_alignment_is_never_shown_across_the_threshold_its_status_is_judged_on(app, warehouse):
    """The region's 本科 装备制造 pillar in the latest year has alignment 1.2451: 平衡, which two decimals rounded
    to "1.25" under "≥ 1.25 → 紧缺". Every alignment shown, in the Overview's pillar table and the Industries page's
    pillar chart and table, reads on the side of the thresholds its status is on."""
    [(latest,)] = sql(warehouse, "SELECT max(year) FROM marts.pillar_gap")
    judged = sql(warehouse, """SELECT alignment FROM marts.pillar_gap WHERE geography_level = 'region' AND level = '本科'
                               AND year = ? AND status IN ('shortage', 'balanced', 'surplus')""", [latest])
    assert any(a < 1.25 <= round(a, 2) or round(a, 2) <= 0.80 < a for (a,) in judged), (
        "the demo no longer has an alignment that two decimals round across a threshold")

    overview = app("overview")
    pillars = next(f.value for f in overview.dataframe if "支柱产业" in f.value.columns)
    rows = pillars[pillars["状态"].isin(["紧缺", "平衡", "过剩"])]
    assert len(rows) and all(shown_side(f"{a:.2f}") == status for a, status in zip(rows["供需比"], rows["状态"]))

    industries = app("industries")
    divisions = next(f.value for f in industries.dataframe if "行业代码" in f.value.columns)
    rows = divisions[divisions["状态"].isin(["紧缺", "平衡", "过剩"])]
    assert len(rows) and all(shown_side(f"{a:.2f}") == status for a, status in zip(rows["供需比"], rows["状态"]))
    tooltips = [row for row in chart_rows(industries)
                if "value_text" in row and row.get("status_label") in ("紧缺", "平衡", "过剩")]
    assert tooltips and all(shown_side(row["value_text"]) == row["status_label"] for row in tooltips)


def test_industries_table_says_what_supply_gap_and_status_are(app, warehouse):
    """C34's 本科 supply 2,972 against demand 1,288 is a gap of −1,684 and a shortage: per METRICS.md the gap is
    demand − supply in people, the status is judged on shares. The column help says so."""
    at = app("industries")
    table = next(f for f in at.dataframe if "行业代码" in f.value.columns)
    [(latest,)] = sql(warehouse, "SELECT max(year) FROM marts.industry_gap")
    [(supply, demand, gap)] = sql(warehouse, """SELECT supply, demand, gap FROM marts.industry_gap
        WHERE industry_code = 'C34' AND geography_level = 'region' AND level = '本科' AND year = ?""", [latest])
    assert gap == pytest.approx(demand - supply)
    row = table.value.set_index("行业代码").loc["C34"]
    assert row["供需差（人）"] == pytest.approx(demand - supply, abs=0.05)
    helps = json.dumps(json.loads(table.proto.columns), ensure_ascii=False)
    for words in ("对照权重", "不是已在本行业就业", "需求 − 供给", "状态不看这个差值", "需求占比 ÷ 供给占比"):
        assert words in helps, words


# --- metrics v2: levels, the province's judgement, cards --------------------------------------------
def test_overview_shows_liaonings_cards_with_the_three_statuses_behind_each(app):
    at = app("overview")
    at.selectbox(key="w_province").select("辽宁省").run()
    cards = next(f.value for f in at.dataframe if "专业预警" in f.value.columns).set_index("专业代码")
    assert cards.loc["080902", "专业预警"] == "绿牌"
    assert cards.loc["080902", "近三年状态"].count("紧缺") == 3
    assert cards.loc["120202", "专业预警"] == "红牌"
    assert cards.loc["120202", "近三年状态"].count("过剩") == 3
    assert "100201K" not in cards.index, "clinical medicine's bachelors get no card on the hospitals' few answers"
    assert set(cards["专业预警"]) <= {"绿牌", "黄牌", "红牌"}


def test_level_filter_applies_to_every_gap_figure(app, warehouse):
    at = app("majors")
    at.selectbox(key="w_province").select("辽宁省").run()
    bachelor = next(f.value for f in at.dataframe if "建议" in f.value.columns)
    assert "080902" in set(bachelor["专业代码"])
    at.selectbox(key="w_study_level").select("研究生").run()
    assert not at.exception
    graduate = next(f.value for f in at.dataframe if "建议" in f.value.columns)
    [(latest,)] = sql(warehouse, "SELECT max(year) FROM marts.major_gap")
    expected = {c for (c,) in sql(warehouse, """SELECT major_code FROM marts.major_gap WHERE level = '研究生'
                                               AND geography = '辽宁省' AND year = ?""", [latest])}
    assert set(graduate["专业代码"]) == expected and expected, "graduate-level demand is shown on its own"
    assert set(graduate["状态"]) == {"数据不足"}, "never judged against bachelors"
    for page in ("overview", "industries"):
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception and at.selectbox(key="w_study_level").value == "研究生"


def test_a_city_without_graduates_of_a_major_imports_them(app):
    at = app("majors")
    at.selectbox(key="w_province").select("吉林省").run()
    at.selectbox(key="w_city").select("吉林市").run()
    table = next(f.value for f in at.dataframe if "建议" in f.value.columns).set_index("专业代码")
    software = table.loc["080902"]
    assert software["状态"] == "省内调入" and software["状态"] != "紧缺"
    assert "吉林市" in software["原因"] and "省内" in software["原因"]


def test_internship_figures_follow_the_level_filter(app, warehouse):
    """The Internships page's figures by major, and the Overview's internship figures, are those of the chosen
    study level: its majors' placements against its own graduates (docs/metrics.md "Internships")."""
    [(latest,)] = sql(warehouse, "SELECT max(year) FROM facts.placements")
    at = app("internships")
    at.selectbox(key="w_year").select(latest).run()
    shown_by_level = {}
    for level in ("本科", "专科"):
        at.selectbox(key="w_study_level").select(level).run()
        assert not at.exception, [e.value for e in at.exception]
        # the area's table by major is the page's last with graduates and retention
        table = [f.value for f in at.dataframe if "本省就业率" in f.value.columns
                 and "毕业生（人）" in f.value.columns][-1].set_index("专业代码")
        students = dict(sql(warehouse, """
            SELECT p.major_code, count(DISTINCT p.student_key) FROM facts.placements AS p
            JOIN dims.major AS m USING (major_code)
            WHERE p.year = ? AND m.level = ? AND p.internship_type IN ('production', 'graduation')
            GROUP BY ALL HAVING count(DISTINCT p.student_key) >= 5""", [latest, level]))
        assert students and set(students) <= set(table.index), level
        assert {m: table.loc[m, "实习学生（人）"] for m in students} == students, level
        levels = dict(sql(warehouse, "SELECT major_code, level FROM dims.major"))
        assert {levels[m] for m in table.index} == {level}, f"{level}: majors of another level are listed"
        shown_by_level[level] = table
    assert set(shown_by_level["本科"].index).isdisjoint(shown_by_level["专科"].index)

    overview = app("overview")
    overview.selectbox(key="w_study_level").select("专科").run()
    vocational = metrics(overview)
    assert vocational == shown(expected_headline(warehouse, "region", REGION, latest, "专科"))
    overview.selectbox(key="w_study_level").select("本科").run()
    assert metrics(overview)["实习覆盖率"] != vocational["实习覆盖率"]


def test_graduate_level_demand_is_shown_once_on_its_own(app, warehouse):
    """研究生 positions are shown apart on the Overview, whichever level is chosen, and never as a figure of 专科."""
    [(latest,)] = sql(warehouse, "SELECT max(year) FROM marts.major_gap")
    [(graduate,)] = sql(warehouse, """SELECT sum(demand) FROM marts.major_gap WHERE geography_level = 'region'
                                     AND year = ? AND level = '研究生'""", [latest])
    assert graduate > 0
    at = app("overview")
    for level in ("专科", "本科"):
        at.selectbox(key="w_study_level").select(level).run()
        apart = [c.value for c in at.caption if "研究生" in c.value]
        assert len(apart) == 1 and f"{graduate:,.0f}" in apart[0] and f"不计入{level}" in apart[0], apart
    at.selectbox(key="w_study_level").select("研究生").run()
    assert metrics(at)["调查需求人数"] == f"{graduate:,.0f}"
    apart = [c.value for c in at.caption if "研究生" in c.value]
    assert len(apart) == 1 and "不计入" not in apart[0] and "无实习数据" in apart[0], apart
