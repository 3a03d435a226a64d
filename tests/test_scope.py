"""Scope, tested as an attacker would (issue 26, docs/deploy.md "Accounts and roles"): for each role's demo
account, every page the app registers is rendered with hostile filter values already in the session and in the URL (another province,
another university, another enterprise), and every table, chart, choice, text and CSV / XLSX download is
searched for rows outside the viewer's scope. The pages come from the app's own navigation, so a page added
later is covered without touching this file.

Which names are outside a scope is read from the warehouse's dims here, never from the dashboard's queries.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.usefixtures("collected_garbage")

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
PROVINCE = "辽宁省"  # the demo education account's (pipelines/accounts_cli.py)


def sql(warehouse: Path, query: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(query, params or []).fetchall()


@dataclass(frozen=True)
class Account:
    role: str | None  # None: nobody signed in
    scope: str | None


@pytest.fixture(scope="module")
def demo(demo_build, tmp_path_factory) -> dict:
    """The demo accounts (one per role, scoped as `portal demo-accounts` scopes them) in a state database of
    this module's own, and the names the warehouse holds."""
    from dashboard import portal_state
    from pipelines.accounts_cli import _demo_scopes

    scopes = _demo_scopes(demo_build.warehouse)
    url = f"sqlite:///{tmp_path_factory.mktemp('scope_state') / 'portal_state.sqlite'}"
    accounts = {
        "public": Account(None, None),
        "demo-education": Account("education", scopes["education"]),
        "demo-university": Account("university", scopes["university"]),
        "demo-enterprise": Account("enterprise", scopes["enterprise"]),
        "demo-staff": Account("data_staff", None),
    }
    for username, account in accounts.items():
        if account.role:
            portal_state.add_account(username, account.role, account.scope or None, "scope test password 1",
                                     actor="test", url=url)
    w = demo_build.warehouse
    return {
        "url": url, "warehouse": w, "accounts": accounts,
        "universities": dict(sql(w, "SELECT university_code, university_name FROM dims.university")),
        "university_province": dict(sql(w, "SELECT university_code, province_name FROM dims.university")),
        "enterprises": dict(sql(w, "SELECT enterprise_id, enterprise_name FROM dims.enterprise "
                                   "WHERE enterprise_name IS NOT NULL")),
        "enterprise_province": dict(sql(w, "SELECT enterprise_id, province_name FROM dims.enterprise")),
        "cities": dict(sql(w, "SELECT city_name, province_name FROM dims.city")),
        "provinces": [p for (p,) in sql(w, "SELECT province_name FROM dims.province")],
    }


@pytest.fixture
def downloads(monkeypatch) -> list[tuple[str, object]]:
    """Every download the rendered pages offer: (file name, the callable that makes its bytes on a click)."""
    made: list[tuple[str, object]] = []
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made.append((file_name, data_callable))
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return made


def hostile_values(demo: dict, username: str) -> dict[str, str]:
    """Filter and picker values naming what lies outside the account's scope, as a crafted session or an old
    bookmark would carry them."""
    account = demo["accounts"][username]
    other_university = next(c for c in sorted(demo["universities"]) if c != account.scope
                            and demo["university_province"][c] != PROVINCE)
    other_enterprise = next(e for e in sorted(demo["enterprises"]) if e != account.scope
                            and demo["enterprise_province"].get(e) != PROVINCE)
    other_province = next(p for p in demo["provinces"] if p != PROVINCE)
    other_city = next(c for c, p in demo["cities"].items() if p == other_province)
    return {
        "filter_province": other_province, "filter_city": other_city, "filter_university": other_university,
        "internships_university": other_university, "internships_enterprise": other_enterprise,
        "pairings_university": other_university, "pairings_enterprise": other_enterprise,
    }


def open_as(demo: dict, username: str, hostile: dict[str, str]) -> AppTest:
    """The Overview as this account sees it after signing in, with hostile values in the session and URL."""
    from dashboard import auth, portal_state

    at = AppTest.from_file(str(APP), default_timeout=120)
    account = demo["accounts"][username]
    if account.role:
        viewer = portal_state.Viewer(account.role, account.scope or None, username)
        at.session_state[auth.TOKEN_KEY] = portal_state.start_session(viewer).token
    for key, value in hostile.items():
        at.session_state[key] = value
        at.query_params[key.split("_", 1)[1]] = value  # ?province=…&university=… as a crafted link
    return at.run()


def seen(at: AppTest, downloads: list[tuple[str, object]]) -> list[str]:
    """Every text a user of the page can read or download: table cells and headers, chart data, the choices
    of every select box, titles, captions, expanders, and each CSV / XLSX download's contents."""
    out: list[str] = []
    for frame in at.dataframe:
        value = frame.value
        out += [str(c) for c in value.columns]
        out += [str(v) for v in value.to_numpy().ravel()]
    out += [e.proto.spec for e in at.get("vega_lite_chart")]
    for box in [*at.selectbox, *at.multiselect, *at.radio]:
        out += [str(o) for o in box.options]
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [e.label for e in at.expander]
    out += [f"{m.label} {m.value}" for m in at.metric]
    for file_name, make in downloads:
        data = make()
        if file_name.endswith(".xlsx"):
            sheet = openpyxl.load_workbook(io.BytesIO(data)).active
            out += [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
        else:
            frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
            out += list(frame.columns) + [str(v) for v in frame.to_numpy().ravel()]
    return out


def outside(demo: dict, username: str) -> dict[str, set[str]]:
    """What must never be shown to the account: (what it is) -> the names and codes."""
    account = demo["accounts"][username]
    own_name = demo["universities"].get(account.scope) or demo["enterprises"].get(account.scope) or "\x00"

    def named(names: dict[str, str], keep) -> set[str]:
        # a name inside the account's own (or holding it) cannot be told apart in text
        return {n for code, n in names.items() if not keep(code) and n not in own_name and own_name not in n}

    if account.role is None:  # the public: no university's or enterprise's own figures, no city
        return {"university": named(demo["universities"], lambda c: False),
                "enterprise": named(demo["enterprises"], lambda e: False) | set(demo["enterprises"]),
                "city cell": set(demo["cities"])}
    if account.role == "university":
        return {"university": named(demo["universities"], lambda c: c == account.scope)}
    if account.role == "enterprise":
        return {"enterprise": named(demo["enterprises"], lambda e: e == account.scope)
                | {e for e in demo["enterprises"] if e != account.scope}}
    if account.role == "education":
        elsewhere = {e for e, p in demo["enterprise_province"].items() if p != account.scope}
        return {"enterprise": named({e: n for e, n in demo["enterprises"].items() if e in elsewhere},
                                    lambda e: False) | elsewhere,
                "city cell": {c for c, p in demo["cities"].items() if p != account.scope},
                "province cell": {p for p in demo["provinces"] if p != account.scope}}
    return {}


def leaks(texts: list[str], forbidden: dict[str, set[str]]) -> list[tuple[str, str]]:
    found = []
    for what, names in forbidden.items():
        if what.endswith(" cell"):  # a place as a whole value: a table cell, or a value in a chart's data
            cells = set(texts) | {v for t in texts if t.startswith("{") for v in _json_strings(t)}
            found += [(what, n) for n in names if n in cells]
        else:
            joined = "\n".join(texts)
            found += [(what, n) for n in names if n in joined]
    return found


def _json_strings(spec: str) -> set[str]:
    def walk(node):
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for v in node.values():
                yield from walk(v)
        elif isinstance(node, list):
            for v in node:
                yield from walk(v)
    return set(walk(json.loads(spec)))


@pytest.fixture
def state(demo, monkeypatch) -> dict:
    monkeypatch.setenv("PORTAL_WAREHOUSE", str(demo["warehouse"]))
    monkeypatch.setenv("PORTAL_STATE_URL", demo["url"])
    monkeypatch.setenv("PORTAL_SESSION_SECRET", "scope test session key, long enough")
    monkeypatch.delenv("PORTAL_PUBLIC_PAGES", raising=False)
    return demo


@pytest.mark.parametrize("username", ["public", "public (every page public)", "demo-education", "demo-university",
                                      "demo-enterprise"])
def test_no_page_or_download_shows_a_row_outside_the_viewers_scope(state, downloads, username, monkeypatch):
    if username.startswith("public "):  # a deployment that opens every shared page to the public
        monkeypatch.setenv("PORTAL_PUBLIC_PAGES", "all")
        username = "public"
    hostile = hostile_values(state, username)
    forbidden = outside(state, username)
    assert all(forbidden.values()), forbidden  # there is something to leak
    at = open_as(state, username, hostile)
    registered = {info["url_pathname"] or "overview": info for info in at._registered_pages.values()}
    assert "overview" in registered
    for page, info in registered.items():
        downloads.clear()
        for key, value in hostile.items():  # a page switch keeps the session: the hostile values stay
            at.session_state[key] = value
        at.switch_page(str(Path(info["script_path"]).relative_to(APP.parent))).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        found = leaks(seen(at, downloads), forbidden)
        assert not found, f"{username} on /{page}: {found[:5]}"
        if username == "demo-education":  # aggregates of its province only: never the region's, no student rows
            assert PROVINCE in at.title[0].value or page in ("submit", "admin", "data"), at.title[0].value
            assert all("学号" not in str(c) and "student" not in str(c).lower()
                       for f in at.dataframe for c in f.value.columns)


def test_the_same_pages_show_the_data_staff_what_the_others_may_not_see(state, downloads):
    """The search above finds names when they are there: the data staff, scoped to everything, see other
    universities and enterprises on the same pages."""
    at = open_as(state, "demo-staff", {})
    at.switch_page("app_pages/pairings.py").run()
    texts = seen(at, downloads)
    assert leaks(texts, outside(state, "demo-university")) and leaks(texts, outside(state, "demo-enterprise"))
    assert any(name.endswith(".xlsx") for name, _ in downloads) and any(n.endswith(".csv") for n, _ in downloads)


def test_the_widgets_offer_only_choices_inside_the_scope(state):
    university = state["accounts"]["demo-university"].scope
    at = open_as(state, "demo-education", hostile_values(state, "demo-education"))
    assert at.selectbox(key="w_province").options == [PROVINCE]
    assert {state["cities"].get(c) for c in at.selectbox(key="w_city").options[1:]} == {PROVINCE}
    at = open_as(state, "demo-university", hostile_values(state, "demo-university"))
    at.switch_page("app_pages/majors.py").run()
    assert at.selectbox(key="w_university").options[1:] == [state["universities"][university]]
    at = open_as(state, "public", {})
    assert at.selectbox(key="w_city").options == ["全部城市"]


def test_every_scoped_query_returns_nothing_outside_the_scope_whatever_it_is_asked(state):
    """The catalogue itself, called as a page would with another party's code: no rows."""
    from dashboard import queries
    from dashboard.access import Access
    from dashboard.portal_state import Viewer

    accounts = state["accounts"]
    university = Access.of(Viewer("university", accounts["demo-university"].scope))
    enterprise = Access.of(Viewer("enterprise", accounts["demo-enterprise"].scope))
    education = Access.of(Viewer("education", PROVINCE))
    hostile = hostile_values(state, "demo-university")
    other_university, other_enterprise = hostile["internships_university"], hostile["internships_enterprise"]
    year = max(queries.years())
    for access in (university, enterprise, Access.of(Viewer())):
        assert queries.bases(access, year, university_code=other_university).empty
        assert queries.bases(access, year, enterprise_id=other_enterprise).empty
        assert queries.placements_by_major(access, year, university_code=other_university).empty
        assert queries.placements_by_major(access, year, enterprise_id=other_enterprise).empty
        assert queries.university_coverage(access, other_university, year).empty
        assert queries.university_majors(access, other_university, year).empty
        # a university sees an enterprise's entries only as far as it is suggested for them
        suggested = queries.pairing_suggestions(access, "region", queries.REGION, year, "本科", None, None,
                                                other_enterprise, None)
        assert set(suggested["university_code"]) <= {access.university_code}
    assert queries.load_log(university).empty and queries.quarantine(enterprise, None).empty
    elsewhere = hostile["filter_province"]
    assert queries.headline(education, "province", elsewhere).empty
    assert queries.headline(education, "region", queries.REGION).empty
    assert queries.major_gap(education, "city", hostile["filter_city"], year).empty
    assert queries.universities(education, "province", elsewhere).empty
    assert not queries.headline(education, "province", PROVINCE).empty  # its own province it does see
    assert queries.headline(Access.of(Viewer()), "city", hostile["filter_city"]).empty  # the public: no city


#: catalogue functions that read no row about a place, a university, an enterprise or the build's audit: the
#: same for everyone (reference lists; the year the pages open on, a year read from the region's totals), or
#: restricted by what they are given (a submitter's own files)
UNSCOPED = {"years", "latest_complete_year", "study_levels", "industries", "majors", "geography_of", "build_id",
            "submission_outcomes", "available_indicators", "skills"}
#: catalogue functions computed from its other queries: they hand the viewer's access on to them
DERIVED = {"what_if"}


def test_every_query_of_the_catalogue_takes_the_viewers_scope_and_uses_it():
    """A query added later without the scope fails here, before any page shows what it reads."""
    import inspect

    from dashboard import queries, scorecard_queries, skills_queries

    catalogue = {f"{module.__name__}.{name}": f for module in (queries, scorecard_queries, skills_queries)
                 for name, f in vars(module).items()
                 if inspect.isfunction(f) and f.__module__ == module.__name__ and not name.startswith("_")}
    assert {"dashboard.queries.headline", "dashboard.queries.bases", "dashboard.queries.pairing_suggestions",
            "dashboard.queries.quarantine", "dashboard.scorecard_queries.scorecard"} <= set(catalogue)
    for name, function in catalogue.items():
        if name.rpartition(".")[2] in UNSCOPED:
            continue
        parameters = list(inspect.signature(function).parameters)
        assert parameters[:1] == ["access"], f"{name} does not take the viewer's access first"
        if name.rpartition(".")[2] in DERIVED:
            assert ", access, " in inspect.getsource(function), f"{name} does not hand the viewer's access on"
            continue
        assert "access." in inspect.getsource(function) or "_universities_seen(access" in \
            inspect.getsource(function), f"{name} does not put the scope in its SQL"
    pages = (APP.parent / "app_pages").glob("*.py")
    assert not [p.name for p in pages if "queries.query(" in p.read_text() or "reading" in p.read_text()]
