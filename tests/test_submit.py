"""Submitting data through the browser (/submit): the preview, the file in the landing folder, the scope rule,
the enterprise survey form, and what a real `portal build` then makes of it, driven by AppTest as a person would.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import csv_bytes, shown_markdown

pytestmark = pytest.mark.usefixtures("collected_garbage")

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
ENTERPRISE = "91210100MA0TEXT01X"
OTHER_ENTERPRISE = "91210100MA0TEXT02X"
ACCOUNTS = {
    "neu": ("university", "10145", "university password 1"),
    "firm": ("enterprise", ENTERPRISE, "enterprise password 1"),
    "liaoning": ("education", "辽宁省", "education password 1"),
    "staff": ("data_staff", None, "staff password 1"),
}
CATALOGUE_HEADER = ["年份", "院校代码", "院校名称", "省份", "城市", "培养层次", "专业代码", "专业名称", "招生人数", "毕业生人数"]
CATALOGUE_ROWS = [
    [2025, "10145", "东北大学", "辽宁省", "沈阳市", "本科", "080902", "软件工程", 120, 100],
    [2025, "10145", "东北大学", "辽宁省", "沈阳市", "本科", "080901", "计算机科学与技术", "一百", 90],
    [2025, "10141", "大连理工大学", "辽宁省", "大连市", "本科", "080902", "软件工程", 200, 180],
]
SURVEY_HEADER = ["调查年份", "统一社会信用代码", "企业名称", "行业代码", "省份", "城市", "岗位名称", "需求专业", "学历要求", "需求人数"]


@pytest.fixture(scope="module")
def state_url(tmp_path_factory) -> str:
    from dashboard import portal_state

    url = f"sqlite:///{tmp_path_factory.mktemp('state') / 'portal_state.sqlite'}"
    for username, (role, scope, password) in ACCOUNTS.items():
        portal_state.add_account(username, role, scope, password, username.capitalize(), actor="test", url=url)
    return url


@pytest.fixture
def portal(tmp_path, state_url, monkeypatch) -> dict[str, Path]:
    """An empty landing folder and no warehouse yet, as a deployment starts."""
    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse" / "portal.duckdb"
    landing.mkdir()
    for name, value in {"PORTAL_LANDING": landing, "PORTAL_WAREHOUSE": warehouse, "PORTAL_STATE_URL": state_url,
                        "PORTAL_SESSION_SECRET": "submit test session key, long enough",
                        "PORTAL_SECRET": "submit test pseudonymisation key, long enough"}.items():
        monkeypatch.setenv(name, str(value))
    monkeypatch.delenv("PORTAL_PUBLIC_PAGES", raising=False)
    return {"landing": landing, "warehouse": warehouse, "tmp": tmp_path}


def open_submit(username: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.text_input(key="w_sign_in_user").input(username)
    at.text_input(key="w_sign_in_password").input(ACCOUNTS[username][2])
    at.button(key="w_sign_in").click().run()
    at.switch_page("app_pages/submit.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def build(portal: dict[str, Path]) -> str:
    """`portal build` as a separate process, as the sensor or the page's button starts it; the build's id."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DAGSTER_HOME": str(portal["tmp"] / "dagster_home")}
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", "build", "--landing", str(portal["landing"]),
                           "--warehouse", str(portal["warehouse"])], env=env, cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return sql(portal["warehouse"], "SELECT build_id FROM audit.build")[0][0]


def sql(warehouse: Path, query: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(query, params or []).fetchall()


def table(at: AppTest, column: str):
    return next(f.value for f in at.dataframe if column in f.value.columns)


def submitted_files(landing: Path) -> list[Path]:
    return sorted(p for p in landing.rglob("*") if p.is_file())


# --- the loader's scope rule -----------------------------------------------------------------------
def test_rows_outside_the_submitters_scope_are_quarantined_with_that_reason(load_landing, tmp_path):
    for folder in ("catalogue/submissions/university-10145", f"survey/submissions/enterprise-{ENTERPRISE}"):
        (tmp_path / "landing" / folder).mkdir(parents=True)  # (load_landing writes the files into it)
    catalogue = csv_bytes(CATALOGUE_HEADER, [CATALOGUE_ROWS[0], CATALOGUE_ROWS[2]])
    staff_copy = csv_bytes(CATALOGUE_HEADER, [CATALOGUE_ROWS[2], CATALOGUE_ROWS[0]])  # (the same content would
    # be one file, loaded once)
    survey = csv_bytes(SURVEY_HEADER, [[2026, ENTERPRISE, "甲公司", "I65", "辽宁省", "沈阳市", "软件工程师", "软件工程", "本科", 3],
                                       [2026, OTHER_ENTERPRISE, "乙公司", "I65", "辽宁省", "沈阳市", "测试工程师", "软件工程", "本科", 2]])
    loaded = load_landing({
        "catalogue": {"submissions/university-10145/a.csv": catalogue, "dropped_by_staff.csv": staff_copy},
        "survey": {f"submissions/enterprise-{ENTERPRISE}/a.csv": survey},
    })
    assert loaded.quarantine("catalogue") == [(
        "catalogue/submissions/university-10145/a.csv", 3, "university_code",
        "university_code 10141 is outside the scope of the submitter (university:10145): a submission may only "
        "hold its own rows")]
    # the same file put in the landing folder by the data staff has no submitter: both rows load
    assert loaded.report("dropped_by_staff.csv").rows_loaded == 2
    assert [(row, column) for _, row, column, reason in loaded.quarantine("survey")
            if OTHER_ENTERPRISE in reason and "outside the scope" in reason] == [(3, "enterprise_id")]
    assert loaded.rows("SELECT enterprise_id FROM raw.survey") == [(ENTERPRISE,)]


def test_the_submissions_folder_name_cannot_be_steered_by_a_scope():
    from sources.landing_folder import submission_folder, submission_scope

    assert submission_folder("survey", "enterprise", ENTERPRISE) == f"survey/submissions/enterprise-{ENTERPRISE}"
    assert submission_scope(f"survey/submissions/enterprise-{ENTERPRISE}/x.csv") == f"enterprise:{ENTERPRISE}"
    assert submission_scope("catalogue/submissions/staff/x.csv") is None
    for bad in ("../../etc", "10145/../x", ""):
        with pytest.raises(ValueError):
            submission_folder("catalogue", "university", bad)


#: a public institution's credit code (1 2 …) that has the shape of an ID number (area 121101, born 1990-03-07)
ID_SHAPED_CREDIT_CODE = "12110119900307123X"


def test_a_credit_code_shaped_like_an_id_number_is_quarantined_so_the_build_still_publishes(load_landing):
    """Loaded, it would be an ID number in clear in the warehouse, and the personal data scan would refuse every
    build until someone found the file: the row is quarantined instead, the value masked, and nothing is left
    for the scan to find."""
    from warehouse.privacy import find_personal_data

    bases_header = ["基地编号", "基地名称", "统一社会信用代码", "院校代码", "城市", "建立年份", "年接收能力"]
    loaded = load_landing({
        "survey": {"s.csv": csv_bytes(SURVEY_HEADER, [
            [2026, ID_SHAPED_CREDIT_CODE, "某事业单位", "I65", "辽宁省", "沈阳市", "软件工程师", "软件工程", "本科", 3],
            [2026, ENTERPRISE, "甲公司", "I65", "辽宁省", "沈阳市", "软件工程师", "软件工程", "本科", 3]])},
        "bases": {"b.csv": csv_bytes(bases_header, [
            ["B9", "事业单位基地", ID_SHAPED_CREDIT_CODE, "10145", "沈阳市", 2020, 10],
            ["B1", "软件实训基地", ENTERPRISE, "10145", "沈阳市", 2020, 10]])},
    })
    for kind in ("survey", "bases"):
        [(_, row, column, reason)] = loaded.quarantine(kind)
        assert (row, column) == (2, "enterprise_id") and reason.startswith("has the shape of an ID number")
        assert loaded.report("s.csv" if kind == "survey" else "b.csv").rows_loaded == 1
    assert ID_SHAPED_CREDIT_CODE not in str(loaded.rows("SELECT * FROM raw.survey__quarantine"))
    assert find_personal_data(loaded.con) == []


def test_an_enterprise_account_cannot_have_a_credit_code_shaped_like_an_id_number(state_url, load_landing,
                                                                                   tmp_path):
    """Its submissions folder would be named by an ID number, masked in the warehouse, and its files would no
    longer be known as its own; the loader gives such a folder a scope no row is in (every row quarantined)
    rather than let its files stand as the data staff's."""
    from dashboard import portal_state
    from sources.landing_folder import submission_folder, submission_scope

    with pytest.raises(portal_state.AccountError) as refused:
        portal_state.add_account("idlike", "enterprise", ID_SHAPED_CREDIT_CODE, "a password of this account",
                                 actor="test", url=state_url)
    assert refused.value.code == "credit_code_like_id_number" and ID_SHAPED_CREDIT_CODE not in str(refused.value)
    with pytest.raises(ValueError):
        submission_folder("survey", "enterprise", ID_SHAPED_CREDIT_CODE)
    masked = "survey/submissions/enterprise-〔已删除 removed〕/20260101T000000000000Z_aaaaaaaa.csv"
    assert submission_scope(masked) == "unknown:enterprise-〔已删除 removed〕"
    folder = f"submissions/enterprise-{ID_SHAPED_CREDIT_CODE}"
    (tmp_path / "landing" / "survey" / folder).mkdir(parents=True)
    loaded = load_landing({"survey": {f"{folder}/a.csv": csv_bytes(SURVEY_HEADER, [
        [2026, ENTERPRISE, "甲公司", "I65", "辽宁省", "沈阳市", "软件工程师", "软件工程", "本科", 3]])}})
    [(file, _, column, reason)] = loaded.quarantine("survey")
    assert ID_SHAPED_CREDIT_CODE not in file and column == "enterprise_id" and "outside the scope" in reason


# --- which answer wins ------------------------------------------------------------------------------
def test_a_partys_own_submission_replaces_the_data_staffs_rows_of_it_and_the_replaced_rows_are_reported(portal):
    """A staff file that sorts after `submissions/` does not overrule what the university or the enterprise
    handed in itself for the same key; the staff file's replaced rows are counted in audit.load_log."""
    landing = portal["landing"]
    own_catalogue = "catalogue/submissions/university-10145/20260101T000000000000Z_aaaaaaaa.csv"
    own_survey = f"survey/submissions/enterprise-{ENTERPRISE}/20260101T000000000000Z_bbbbbbbb.csv"
    own_bases = "bases/submissions/university-10145/20260101T000000000000Z_cccccccc.csv"
    bases_header = ["基地编号", "基地名称", "统一社会信用代码", "院校代码", "城市", "建立年份", "年接收能力"]
    files = {
        own_catalogue: csv_bytes(CATALOGUE_HEADER, [CATALOGUE_ROWS[0]]),  # enrolment 120
        "catalogue/zz_staff.csv": csv_bytes(CATALOGUE_HEADER, [
            [2025, "10145", "东北大学", "辽宁省", "沈阳市", "本科", "080902", "软件工程", 999, 999],
            CATALOGUE_ROWS[2]]),
        own_survey: csv_bytes(SURVEY_HEADER, [
            [2025, ENTERPRISE, "甲公司", "I65", "辽宁省", "沈阳市", "软件工程师", "软件工程", "本科", 4]]),
        "survey/zz_staff.csv": csv_bytes(SURVEY_HEADER, [
            [2025, ENTERPRISE, "甲公司", "I65", "辽宁省", "沈阳市", "软件工程师", "软件工程", "本科", 50],
            [2025, ENTERPRISE, "甲公司", "I65", "辽宁省", "沈阳市", "测试工程师", "软件工程", "本科", 50],
            [2025, OTHER_ENTERPRISE, "乙公司", "I65", "辽宁省", "沈阳市", "测试工程师", "软件工程", "本科", 2]]),
        own_bases: csv_bytes(bases_header, [["B1", "软件实训基地", ENTERPRISE, "10145", "沈阳市", 2020, 40]]),
        "bases/zz_staff.csv": csv_bytes(bases_header, [["B1", "软件实训基地", ENTERPRISE, "10145", "沈阳市", 2020, 30]]),
    }
    for name, data in files.items():
        (landing / name).parent.mkdir(parents=True, exist_ok=True)
        (landing / name).write_bytes(data)
    build(portal)
    warehouse = portal["warehouse"]
    assert sql(warehouse, "SELECT university_code, enrolment FROM staging.catalogue ORDER BY 1") == [
        ("10141", 200), ("10145", 120)]
    assert sql(warehouse, "SELECT enterprise_id, sum(headcount)::INT FROM staging.survey_positions "
                          "GROUP BY 1 ORDER BY 1") == [(ENTERPRISE, 4), (OTHER_ENTERPRISE, 2)]
    assert sql(warehouse, "SELECT capacity_per_year FROM staging.bases WHERE base_id = 'B1'") == [(40,)]
    log = {file: (read, loaded, quarantined, replaced) for file, read, loaded, quarantined, replaced in sql(
        warehouse, "SELECT file, rows_read, rows_loaded, rows_quarantined, rows_replaced FROM audit.load_log")}
    assert log == {
        own_catalogue: (1, 1, 0, 0), "catalogue/zz_staff.csv": (2, 2, 0, 1),
        own_survey: (1, 1, 0, 0), "survey/zz_staff.csv": (3, 3, 0, 2),
        own_bases: (1, 1, 0, 0), "bases/zz_staff.csv": (1, 1, 0, 1),
    }


def test_a_university_cannot_take_over_another_universitys_base_by_submitting_its_id(portal):
    """A base keeps the university the data staff's register gives it, or else the university that submitted it
    first: another university's submission of the same base id is not kept (its row counts as replaced), so it
    cannot claim that base and the placements at it."""
    landing = portal["landing"]
    bases_header = ["基地编号", "基地名称", "统一社会信用代码", "院校代码", "城市", "建立年份", "年接收能力"]
    taker = "bases/submissions/university-10145/20260102T000000000000Z_aaaaaaaa.csv"
    first = "bases/submissions/university-10141/20260101T000000000000Z_bbbbbbbb.csv"
    files = {
        "bases/register.csv": csv_bytes(bases_header, [["DL-1", "大工实训基地", ENTERPRISE, "10141", "大连市", 2018, 30]]),
        first: csv_bytes(bases_header, [["DL-2", "大工新基地", ENTERPRISE, "10141", "大连市", 2024, 20]]),
        taker: csv_bytes(bases_header, [["DL-1", "接管的基地", OTHER_ENTERPRISE, "10145", "沈阳市", 2020, 1],
                                        ["DL-2", "接管的新基地", OTHER_ENTERPRISE, "10145", "沈阳市", 2020, 1],
                                        ["NEU-1", "东大基地", ENTERPRISE, "10145", "沈阳市", 2020, 10]]),
    }
    for name, data in files.items():
        (landing / name).parent.mkdir(parents=True, exist_ok=True)
        (landing / name).write_bytes(data)
    build(portal)
    warehouse = portal["warehouse"]
    assert sql(warehouse, "SELECT base_id, university_code, city_name, capacity_per_year FROM dims.base "
                          "ORDER BY 1") == [("DL-1", "10141", "大连市", 30), ("DL-2", "10141", "大连市", 20),
                                            ("NEU-1", "10145", "沈阳市", 10)]
    log = {file: (read, loaded, quarantined, replaced) for file, read, loaded, quarantined, replaced in sql(
        warehouse, "SELECT file, rows_read, rows_loaded, rows_quarantined, rows_replaced FROM audit.load_log")}
    assert log[taker] == (3, 3, 0, 2)


# --- who sees the page -------------------------------------------------------------------------------
def test_anonymous_visitors_and_education_departments_cannot_open_the_submit_page(portal):
    from dashboard import auth
    from dashboard.portal_state import Viewer

    at = AppTest.from_file(str(APP), default_timeout=60).run()
    # opened by its address (it is in no navigation of theirs): who may submit, and no form or uploader
    at.switch_page("app_pages/submit.py").run()
    assert at.warning[0].value == "只有高校、企业和数据管理员可以提交数据。" and not at.get("file_uploader")
    assert at.info[0].value == "登录后才能查看此页。请在左侧边栏登录。"
    at.text_input(key="w_sign_in_user").input("liaoning")
    at.text_input(key="w_sign_in_password").input(ACCOUNTS["liaoning"][2])
    at.button(key="w_sign_in").click().run()
    assert at.warning[0].value == "只有高校、企业和数据管理员可以提交数据。" and not at.get("file_uploader")
    assert at.info[0].value.startswith("你当前以教育主管部门身份登录")
    # and the entry point refuses it whatever the navigation lists, also when every page is public
    os.environ["PORTAL_PUBLIC_PAGES"] = "all,submit"
    try:
        assert not auth.may_open(Viewer(), "submit") and not auth.may_open(Viewer("education", "辽宁省"), "submit")
    finally:
        del os.environ["PORTAL_PUBLIC_PAGES"]
    assert all(auth.may_open(Viewer(role, None), "submit") for role in ("university", "enterprise", "data_staff"))


# --- a university submits a file -----------------------------------------------------------------------
def test_a_university_submits_a_catalogue_sees_the_preview_and_after_a_build_sees_it_loaded(portal):
    from dashboard import portal_state

    at = open_submit("neu")
    assert "20 MB" in at.caption[0].value and "10145 东北大学" in at.caption[0].value
    assert at.selectbox(key="w_submit_kind").options == ["专业目录", "实习基地", "实习记录"]
    at.selectbox(key="w_submit_kind").set_value("catalogue")
    at.file_uploader[0].set_value(("我的目录 ../../x.csv", csv_bytes(CATALOGUE_HEADER, CATALOGUE_ROWS), "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert {m.label: m.value for m in at.metric} == {"读取行数": "3", "将载入": "1", "将隔离": "2"}
    preview = table(at, "原因")
    assert preview.values.tolist() == [
        [3, "enrolment", "not a whole number: '一百'"],
        [4, "university_code", "university_code 10141 is outside the scope of the submitter (university:10145): "
                               "a submission may only hold its own rows"]]
    assert submitted_files(portal["landing"]) == []  # nothing is written before the confirmation

    at.button(key="w_submit_confirm").click().run()
    assert shown_markdown(at.success[0].value)[1] == "已提交 我的目录 ../../x.csv，等待下一次构建载入。"
    [written] = submitted_files(portal["landing"])
    relative = written.relative_to(portal["landing"]).as_posix()
    assert re.fullmatch(r"catalogue/submissions/university-10145/\d{8}T\d{12}Z_[0-9a-f]{8}\.csv", relative)
    assert written.read_bytes() == csv_bytes(CATALOGUE_HEADER, CATALOGUE_ROWS)
    [recorded] = portal_state.list_submissions("neu")
    assert (recorded.kind, recorded.stored_as, recorded.status, recorded.rows_loaded, recorded.rows_quarantined) \
        == ("catalogue", relative, "waiting", 1, 2)
    assert table(at, "状态")["状态"].tolist() == ["等待构建"]
    # what no build has said yet reads —, never None
    mine = next(f for f in at.dataframe if "状态" in f.value.columns)
    assert mine.value["其中已被替换"].isna().all() and mine.proto.placeholder == "—"
    assert at.button(key="w_submit_build")  # no build runs: one can be started

    build_id = build(portal)
    at.run()
    assert table(at, "状态")["状态"].tolist() == [f"已在构建 {build_id} 中载入"]
    assert table(at, "状态")["其中已被替换"].tolist() == [0]
    assert sql(portal["warehouse"], "SELECT university_code, major_code FROM raw.catalogue") == [("10145", "080902")]
    assert ("university_code", 4) in sql(portal["warehouse"],
                                         "SELECT column_name, row_number FROM audit.quarantine WHERE file = ?",
                                         [relative])


BASES_HEADER = ["基地编号", "基地名称", "统一社会信用代码", "院校代码", "城市", "建立年份", "年接收能力"]
PLACEMENTS_HEADER = ["年份", "学号", "院校代码", "专业代码", "基地编号", "开始日期", "结束日期", "实习结果"]


def test_a_university_previews_and_submits_placements_checked_against_the_published_bases(portal):
    """Placements' rules look at the internship bases (and the loader's fingerprint at the bases' files): the
    preview reads them from the published warehouse, so a university can hand in its placements."""
    from dashboard import portal_state, submitting

    (portal["landing"] / "bases").mkdir()
    (portal["landing"] / "bases" / "bases.csv").write_bytes(csv_bytes(BASES_HEADER, [
        ["B1", "软件实训基地", ENTERPRISE, "10145", "沈阳市", 2020, 30]]))
    build(portal)
    neu = portal_state.Viewer("university", "10145", "neu")
    checked = submitting.check(neu, "placements", "实习记录.csv", csv_bytes(PLACEMENTS_HEADER, [
        [2025, "20250001", "10145", "080902", "B1", "2025-07-01", "2025-08-31", "完成"],
        [2025, "20250002", "10145", "080902", "B9", "2025-07-01", "2025-08-31", "完成"]]))
    report = checked.preview.report
    assert (report.status, report.rows_read, report.rows_loaded, report.rows_quarantined) == ("loaded", 2, 1, 1)
    [(row, column, _, _)] = checked.preview.quarantined
    assert (row, column) == (3, "base_id")  # B9 is no base of the published warehouse
    submission = submitting.confirm(neu, checked)
    assert (submission.kind, submission.rows_loaded, submission.rows_quarantined) == ("placements", 1, 1)
    assert [p.relative_to(portal["landing"]).parts[:3] for p in submitted_files(portal["landing"])
            if "submissions" in p.parts] == [("placements", "submissions", "university-10145")]


def test_a_check_that_fails_unexpectedly_names_the_file_and_shows_no_internals(portal, monkeypatch, caplog):
    from dashboard import submitting

    def fails(*args, **kwargs):
        raise duckdb.CatalogException("Table with name secret_table does not exist! LINE 1: SELECT * FROM raw.x")

    monkeypatch.setattr(submitting, "preview_file", fails)
    at = open_submit("neu")
    at.selectbox(key="w_submit_kind").set_value("placements")
    at.file_uploader[0].set_value(("实习记录.csv", csv_bytes(PLACEMENTS_HEADER, [[2025]]), "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    [error] = [shown_markdown(e.value)[1] for e in at.error]
    assert "实习记录.csv" in error and "未提交" in error
    assert "secret_table" not in error and "SELECT" not in error and "CatalogException" not in error
    assert "secret_table" in caplog.text  # the detail is in the server's log


def test_a_file_rejected_whole_is_said_so_and_cannot_be_confirmed(portal):
    at = open_submit("neu")
    at.file_uploader[0].set_value(("目录.csv", csv_bytes(["年份", "专业名称"], [[2025, "软件工程"]]), "text/csv"))
    at.run()
    assert not at.exception and at.error[0].value.startswith("整个文件无法载入：")
    assert "院校代码" in at.error[0].value or "university_code" in at.error[0].value
    assert "w_submit_confirm" not in [b.key for b in at.button]
    assert submitted_files(portal["landing"]) == []


def test_a_file_that_is_not_what_it_says_gets_a_message_not_a_crash(portal):
    at = open_submit("neu")
    at.file_uploader[0].set_value(("目录.xlsx", b"PK\x03\x04 not really a workbook" + b"\0" * 1000, "application/zip"))
    at.run()
    assert not at.exception
    assert at.error
    assert "w_submit_confirm" not in [b.key for b in at.button]
    assert submitted_files(portal["landing"]) == []


def test_uploads_over_the_limit_or_of_other_types_are_refused():
    from dashboard import settings, submitting

    with pytest.raises(submitting.SubmissionRefused) as refused:
        submitting.check_upload("big.csv", b"x" * (settings.MAX_UPLOAD_MB * 1024 * 1024 + 1))
    assert refused.value.code == "submit_too_large"
    with pytest.raises(submitting.SubmissionRefused) as refused:
        submitting.check_upload("payload.exe", b"MZ")
    assert refused.value.code == "submit_bad_type"
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert f"maxUploadSize = {settings.MAX_UPLOAD_MB}" in config


def test_while_the_previews_at_once_run_another_upload_is_asked_to_try_again_not_queued(portal, monkeypatch):
    """Previews run in the dashboard's own process: past settings.PREVIEWS_AT_ONCE, one more is turned away
    with a plain message (and a button to try again), not left to pile up memory for everybody."""
    import itertools
    import threading

    from dashboard import settings, submitting
    from dashboard.portal_state import Viewer

    real_preview, calls = submitting.preview_file, itertools.count()
    started, finish = threading.Semaphore(0), threading.Event()

    def preview_held_by_the_others(*args, **kwargs):
        if next(calls) < settings.PREVIEWS_AT_ONCE:  # the other sessions' previews: running until told
            started.release()
            finish.wait()
        return real_preview(*args, **kwargs)

    monkeypatch.setattr(submitting, "preview_file", preview_held_by_the_others)
    monkeypatch.setattr(settings, "PREVIEW_WAIT_SECONDS", 0)
    data = csv_bytes(CATALOGUE_HEADER, CATALOGUE_ROWS)
    others = [threading.Thread(target=submitting.check, args=(Viewer("university", "10145", "neu"), "catalogue",
                                                               f"other-{i}.csv", data))
              for i in range(settings.PREVIEWS_AT_ONCE)]
    try:
        for thread in others:
            thread.start()
        for _ in others:
            assert started.acquire(timeout=120)
        at = open_submit("neu")
        at.file_uploader[0].set_value(("目录.csv", data, "text/csv"))
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert [e.value for e in at.error] == ["服务器正在检查其他用户的文件，请稍后再试。"]
        assert not at.metric and "w_submit_confirm" not in [b.key for b in at.button]
    finally:
        finish.set()
        for thread in others:
            thread.join()
    at.button(key="w_submit_retry").click().run()  # the others are done: the same file is checked now
    assert not at.error
    assert {m.label: m.value for m in at.metric} == {"读取行数": "3", "将载入": "1", "将隔离": "2"}
    assert submitted_files(portal["landing"]) == []


# --- an enterprise fills in the survey form ----------------------------------------------------------
def add_position(at: AppTest, position: str, majors: list[str], headcount: int) -> None:
    at.text_input(key="w_form_position").input(position)
    at.multiselect(key="w_form_majors").set_value(majors)
    at.number_input(key="w_form_headcount").set_value(headcount)
    at.button(key="w_form_add").click().run()
    assert not at.exception, [e.value for e in at.exception]


def test_an_enterprise_fills_in_the_survey_form_and_after_a_build_its_positions_are_in_the_demand(portal):
    from dashboard import submitting

    year = submitting.survey_year()
    at = open_submit("firm")
    assert at.selectbox(key="w_submit_kind").options == ["企业需求调查"]
    at.selectbox(key="w_form_city").set_value("沈阳市")
    at.selectbox(key="w_form_industry").set_value("I65")
    add_position(at, "软件工程师", ["080902"], 4)
    add_position(at, "数据分析师", ["080902", "080901"], 6)
    at.button(key="w_form_submit").click().run()
    assert at.success[0].value == f"已提交 {year} 年问卷：2 个岗位将载入，0 个被隔离。"
    build(portal)
    demand = sql(portal["warehouse"], "SELECT major_code, sum(demand)::DOUBLE FROM facts.demand "
                                      "WHERE enterprise_id = ? AND year = ? GROUP BY 1 ORDER BY 1", [ENTERPRISE, year])
    assert demand == [("080901", 3.0), ("080902", 7.0)]

    # a revision: the form shows the earlier answers; one position removed, submitted again, built again
    again = open_submit("firm")
    assert table(again, "岗位")["岗位"].tolist() == ["软件工程师", "数据分析师"]
    again.selectbox(key="w_form_remove_which").set_value(1)
    again.button(key="w_form_remove").click().run()
    again.button(key="w_form_submit").click().run()
    build(portal)
    assert sql(portal["warehouse"], "SELECT major_code, sum(demand)::DOUBLE FROM facts.demand "
                                    "WHERE enterprise_id = ? AND year = ? GROUP BY 1", [ENTERPRISE, year]) \
        == [("080902", 4.0)]
    shown = table(again.run(), "状态")
    assert len(shown) == 2 and all(s.startswith("已在构建 ") for s in shown["状态"])
    # the revision replaced both rows of the first answer: said so beside it, not silently
    assert sorted(zip(shown["载入行数"], shown["其中已被替换"])) == [(1, 0), (2, 2)]


def test_the_form_answers_for_the_current_survey_round_and_an_early_answer_does_not_become_the_default_year(
        portal, monkeypatch):
    from dashboard import submitting

    # the warehouse holds the 2025 round (catalogue and survey, dropped by the data staff); it is 2027 now
    (portal["landing"] / "catalogue").mkdir()
    (portal["landing"] / "catalogue" / "2025.csv").write_bytes(csv_bytes(CATALOGUE_HEADER, [CATALOGUE_ROWS[0]]))
    (portal["landing"] / "survey").mkdir()
    (portal["landing"] / "survey" / "2025.csv").write_bytes(csv_bytes(SURVEY_HEADER, [
        [2025, OTHER_ENTERPRISE, "乙公司", "I65", "辽宁省", "沈阳市", "测试工程师", "软件工程", "本科", 2]]))
    build(portal)
    monkeypatch.setattr(submitting, "survey_year", lambda: 2027)
    at = open_submit("firm")
    assert at.selectbox(key="w_form_year").value == 2025
    assert at.selectbox(key="w_form_year").options == ["2025（当前调查轮次，看板所示年份）", "2027（今年）"]
    assert "2025 年企业用人需求调查" in [h.value for h in at.subheader]
    at.selectbox(key="w_form_city").set_value("沈阳市")
    at.selectbox(key="w_form_industry").set_value("I65")  # the warehouse has no record of it: chosen, not preset
    add_position(at, "软件工程师", ["080902"], 4)
    at.button(key="w_form_submit").click().run()
    assert at.success[0].value == "已提交 2025 年问卷：1 个岗位将载入，0 个被隔离。"
    build(portal)
    assert sql(portal["warehouse"], "SELECT year, sum(demand)::DOUBLE FROM facts.demand WHERE enterprise_id = ? "
                                    "GROUP BY 1", [ENTERPRISE]) == [(2025, 4.0)]

    # an answer ahead of the next round lands in this year, which the pages do not open on: one enterprise's
    # demand is not the region's picture
    again = open_submit("firm")
    again.selectbox(key="w_form_year").set_value(2027).run()
    assert "2027 年企业用人需求调查" in [h.value for h in again.subheader]
    assert "w_form_remove" not in [b.key for b in again.button]  # 2027 holds no earlier answers of its own
    add_position(again, "数据分析师", ["080902"], 6)
    again.button(key="w_form_submit").click().run()
    assert again.success[0].value == "已提交 2027 年问卷：1 个岗位将载入，0 个被隔离。"
    build(portal)
    assert sql(portal["warehouse"], "SELECT year, sum(demand)::DOUBLE FROM facts.demand WHERE enterprise_id = ? "
                                    "GROUP BY 1 ORDER BY 1", [ENTERPRISE]) == [(2025, 4.0), (2027, 6.0)]
    assert 2027 in [y for (y,) in sql(portal["warehouse"], "SELECT DISTINCT year FROM marts.headline")]
    overview = open_submit("staff")
    overview.switch_page("app_pages/overview.py").run()
    assert not overview.exception, [e.value for e in overview.exception]
    assert overview.selectbox(key="w_year").value == 2025
    assert overview.selectbox(key="w_year").options == ["2027", "2025"]  # the early year is there to choose


def test_a_build_is_not_started_from_the_page_while_another_holds_the_lock(portal):
    from dashboard import submitting
    from warehouse import publication

    with publication.build_lock(portal["warehouse"], "portal build"):
        at = open_submit("staff")
        at.file_uploader[0].set_value(("bases.csv", csv_bytes(
            ["基地编号", "基地名称", "统一社会信用代码", "院校代码", "城市", "建立年份", "年接收能力"],
            [["B1", "软件实训基地", ENTERPRISE, "10145", "沈阳市", 2020, 30]]), "text/csv"))
        at.selectbox(key="w_submit_kind").set_value("bases")
        at.run()
        at.button(key="w_submit_confirm").click().run()
        assert "w_submit_build" not in [b.key for b in at.button]  # a build runs: no button, but why
        assert at.info[0].value.startswith("已有构建在运行（portal build, pid ")
        assert submitting.start_build().startswith("portal build, pid ")  # and the function refuses too
    assert not (portal["warehouse"].parent / "submitted-build.log").exists()  # nothing was started


# --- the form starts from the answer on record --------------------------------------------------------
FULL_SURVEY_HEADER = [*SURVEY_HEADER, "技能要求", "是否接收实习生", "月薪"]
#: the data staff's 2025 answer for the enterprise (positions in a file of the staff's, not the enterprise's)
STAFF_ANSWER = [
    [2025, ENTERPRISE, "甲贸易有限公司", "F51", "辽宁省", "大连市", "外贸业务员", "软件工程", "本科", 5, "英语", "是", 6000],
    [2025, ENTERPRISE, "甲贸易有限公司", "F51", "辽宁省", "大连市", "数据分析师", "软件工程、计算机科学与技术", "硕士及以上", 2,
     "", "", ""],
    [2025, ENTERPRISE, "甲贸易有限公司", "F51", "辽宁省", "大连市", "仓储主管", "计算机科学与技术", "不限", 1, "", "否", 4500],
]


def survey_rows_of(warehouse: Path, enterprise: str, year: int) -> list[tuple]:
    return sql(warehouse, "SELECT position, list_sort(major_codes), education, headcount, skills, hosts_interns, "
                          "monthly_salary FROM staging.survey_positions WHERE enterprise_id = ? AND year = ? ORDER BY position",
               [enterprise, year])


def test_the_form_starts_from_the_enterprises_record_and_positions_and_submitting_it_unchanged_keeps_them(portal):
    """A staff file holds the enterprise's 2025 answer: the form shows its name, industry and city and its three
    positions, says it replaces them, and submitted as it stands changes nothing in the warehouse."""
    from dashboard import queries
    from dashboard.access import Access
    from dashboard.portal_state import Viewer

    landing, warehouse = portal["landing"], portal["warehouse"]
    (landing / "catalogue").mkdir()
    (landing / "catalogue" / "2025.csv").write_bytes(csv_bytes(CATALOGUE_HEADER, [CATALOGUE_ROWS[0]]))
    (landing / "survey").mkdir()
    (landing / "survey" / "2025.csv").write_bytes(csv_bytes(FULL_SURVEY_HEADER, [
        *STAFF_ANSWER,
        [2025, OTHER_ENTERPRISE, "乙公司", "I65", "辽宁省", "沈阳市", "测试工程师", "软件工程", "本科", 2, "", "", ""]]))
    # an older answer with another name and city: the form starts from the latest record
    (landing / "survey" / "2024.csv").write_bytes(csv_bytes(SURVEY_HEADER, [
        [2024, ENTERPRISE, "甲公司（旧名）", "C26", "辽宁省", "沈阳市", "化工操作员", "软件工程", "专科", 3]]))
    build(portal)
    before = survey_rows_of(warehouse, ENTERPRISE, 2025)
    demand_before = sql(warehouse, "SELECT major_code, sum(demand)::DOUBLE FROM facts.demand WHERE enterprise_id = ? "
                                   "AND year = 2025 GROUP BY 1 ORDER BY 1", [ENTERPRISE])
    record = "SELECT enterprise_name, industry_code, city_name FROM dims.enterprise WHERE enterprise_id = ?"
    assert sql(warehouse, record, [ENTERPRISE]) == [("甲贸易有限公司", "F51", "大连市")]
    assert len(before) == 3
    # what the form reads is the enterprise's own rows: asked for another's, the scoped queries give none
    firm = Access.of(Viewer("enterprise", ENTERPRISE))
    assert len(queries.survey_answer(firm, ENTERPRISE, 2025)) == 3
    assert queries.survey_answer(firm, OTHER_ENTERPRISE, 2025).empty
    assert queries.enterprise_record(firm, OTHER_ENTERPRISE).empty

    at = open_submit("firm")
    assert at.selectbox(key="w_form_year").value == 2025
    assert at.text_input(key="w_form_name").value == "甲贸易有限公司"  # not the account's name "Firm"
    assert at.selectbox(key="w_form_industry").value == "F51"  # not the first option, A01
    assert at.selectbox(key="w_form_city").value == "大连市"  # not the first option, 沈阳市
    listed = table(at, "岗位")
    assert listed["岗位"].tolist() == ["外贸业务员", "数据分析师", "仓储主管"]  # and not 乙公司's 测试工程师
    assert listed["人数"].tolist() == [5, 2, 1]
    assert set(listed["需求专业"].tolist()[1].split("、")) == {"软件工程", "计算机科学与技术"}  # (the warehouse keeps
    # a position's distinct majors, not their order)
    assert [w.value for w in at.warning] == [
        "提交将替换贵企业 2025 年的全部问卷回答：已发布数据中现有的 3 个岗位将由上表的 3 个岗位取代，表中没有的岗位将被删除。"]
    assert at.button(key="w_form_submit").label == "提交问卷（3 个岗位）"

    at.button(key="w_form_submit").click().run()
    assert at.success[0].value == "已提交 2025 年问卷：3 个岗位将载入，0 个被隔离。"
    # until a build, a new visit starts from that submission, and says it is what is replaced
    waiting = open_submit("firm")
    assert table(waiting, "岗位")["岗位"].tolist() == ["外贸业务员", "数据分析师", "仓储主管"]
    assert "您尚待构建载入的上一次提交中的 3 个岗位" in waiting.warning[0].value
    build(portal)
    assert survey_rows_of(warehouse, ENTERPRISE, 2025) == before
    assert sql(warehouse, "SELECT major_code, sum(demand)::DOUBLE FROM facts.demand WHERE enterprise_id = ? "
                          "AND year = 2025 GROUP BY 1 ORDER BY 1", [ENTERPRISE]) == demand_before
    assert sql(warehouse, record, [ENTERPRISE]) == [("甲贸易有限公司", "F51", "大连市")]
    # the enterprise's own file is now the answer on record; the staff file's rows of it are replaced
    assert sql(warehouse, "SELECT rows_replaced FROM audit.load_log WHERE file = 'survey/2025.csv'") == [(3,)]


def test_a_position_on_record_is_edited_in_its_place(portal):
    landing = portal["landing"]
    (landing / "catalogue").mkdir()
    (landing / "catalogue" / "2025.csv").write_bytes(csv_bytes(CATALOGUE_HEADER, [CATALOGUE_ROWS[0]]))
    (landing / "survey").mkdir()
    (landing / "survey" / "2025.csv").write_bytes(csv_bytes(FULL_SURVEY_HEADER, STAFF_ANSWER))
    build(portal)
    at = open_submit("firm")
    assert at.selectbox(key="w_form_year").value == 2025
    at.selectbox(key="w_form_remove_which").set_value(1)
    at.button(key="w_form_edit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    # its values are in the fields, to change
    assert at.text_input(key="w_form_position").value == "数据分析师"
    assert sorted(at.multiselect(key="w_form_majors").value) == ["080901", "080902"]
    assert at.selectbox(key="w_form_education").value == "硕士研究生"  # the warehouse keeps 研究生
    assert at.number_input(key="w_form_headcount").value == 2
    assert at.button(key="w_form_add").label == "保存对“数据分析师”的修改"
    at.number_input(key="w_form_headcount").set_value(7)
    at.button(key="w_form_add").click().run()
    listed = table(at, "岗位")
    assert listed["岗位"].tolist() == ["外贸业务员", "数据分析师", "仓储主管"]
    assert listed["人数"].tolist() == [5, 7, 1]
    assert at.button(key="w_form_add").label == "添加岗位"
    assert "3 个岗位将由上表的 3 个岗位取代" in at.warning[0].value


def test_with_no_record_in_the_warehouse_the_form_asks_for_the_industry_and_city_rather_than_guessing(portal):
    at = open_submit("firm")  # no warehouse yet
    assert at.text_input(key="w_form_name").value == "Firm"  # the account's name
    assert at.selectbox(key="w_form_industry").value is None
    assert at.selectbox(key="w_form_city").value is None
    add_position(at, "软件工程师", ["080902"], 4)
    assert at.info[0].value.startswith("已发布数据中贵企业")  # nothing on record to replace
    at.button(key="w_form_submit").click().run()
    assert at.error[0].value == "请选择所属行业和所在城市。"
    assert submitted_files(portal["landing"]) == []
    at.selectbox(key="w_form_industry").set_value("I65")
    at.selectbox(key="w_form_city").set_value("沈阳市")
    at.button(key="w_form_submit").click().run()
    assert at.success and len(submitted_files(portal["landing"])) == 1
