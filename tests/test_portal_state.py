"""The portal's state database (accounts, sign-in, sessions, the audit log), on SQLite and on a real PostgreSQL
server, and the `portal users` commands that manage it."""

from __future__ import annotations

import datetime as dt
import io
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from dashboard import portal_state as ps
from dashboard import settings
from tests.postgres_server import Postgres, running_postgres

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres | None]:
    with running_postgres() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def state(request, tmp_path, monkeypatch) -> str:
    """A fresh, empty state database of each kind; its URL is PORTAL_STATE_URL for the test."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    else:
        server = request.getfixturevalue("postgres")
        if server is None:
            pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql; .ci/run does it)")
        database = f"state_{abs(hash(request.node.name)) % 10**9}"
        import psycopg2

        con = psycopg2.connect(host=server.host, port=server.port, user=server.user, dbname="postgres")
        con.autocommit = True
        con.cursor().execute(f"DROP DATABASE IF EXISTS {database}")
        con.cursor().execute(f"CREATE DATABASE {database}")
        con.close()
        url = f"postgresql://{server.user}@{server.host}:{server.port}/{database}"
    monkeypatch.setenv("PORTAL_STATE_URL", url)
    monkeypatch.setenv("PORTAL_SESSION_SECRET", "test session key " * 3)
    yield url
    ps.dispose_engines()


@pytest.fixture
def clock(monkeypatch):
    """A clock the test moves on by hand (no test waits for real time to pass)."""
    class Clock:
        at = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)

        def advance(self, **delta) -> None:
            self.at += dt.timedelta(**delta)

    clock = Clock()
    monkeypatch.setattr(ps, "now", lambda: clock.at)
    return clock


def audit_text(url: str) -> str:
    return "\n".join(" ".join(str(v) for v in (e.actor, e.action, e.subject, e.detail)) for e in ps.audit_entries())


# --- accounts ----------------------------------------------------------------------------------------------
def test_accounts_are_added_with_their_role_and_scope_and_listed(state):
    ps.add_account("Zhang.Wei", "education", "辽宁省", PASSWORD, "辽宁省教育厅", actor="cli:admin")
    ps.add_account("neu", "university", "10145", PASSWORD, actor="cli:admin")
    ps.add_account("acme", "enterprise", "91210100ma0xk1xx1b", PASSWORD, actor="cli:admin")
    ps.add_account("staff", "data_staff", None, PASSWORD, actor="cli:admin")
    ps.add_account("region", "education", "东北三省", PASSWORD, actor="cli:admin")
    listed = {a.username: (a.role, a.scope, a.display_name, a.disabled) for a in ps.list_accounts()}
    assert listed == {
        "zhang.wei": ("education", "辽宁省", "辽宁省教育厅", False),
        "neu": ("university", "10145", "neu", False),
        "acme": ("enterprise", "91210100MA0XK1XX1B", "acme", False),
        "staff": ("data_staff", None, "staff", False),
        "region": ("education", ps.REGION, "region", False),
    }
    assert ps.active_account_count() == 5
    with pytest.raises(ps.AccountError, match="already exists"):
        ps.add_account("ZHANG.WEI", "education", "吉林省", PASSWORD, actor="cli:admin")


@pytest.mark.parametrize(("role", "scope", "code"), [
    ("education", "北京市", "unknown_province"),
    ("education", None, "scope_required"),
    ("university", "99999", "unknown_university"),
    ("enterprise", "91210100MA0XK1XX1", "bad_credit_code"),  # 17 characters
    ("enterprise", "91210100MA0XK1XXIO", "bad_credit_code"),  # I and O are not in the alphabet
    ("data_staff", "辽宁省", "scope_not_allowed"),
    ("admin", None, "unknown_role"),
])
def test_a_scope_that_does_not_fit_the_role_is_refused(state, role, scope, code):
    with pytest.raises(ps.AccountError) as refused:
        ps.add_account("someone", role, scope, PASSWORD, actor="cli:admin")
    assert refused.value.code == code
    assert ps.list_accounts() == []


def test_passwords_are_stored_as_argon2_hashes_and_never_in_the_audit_log(state):
    ps.add_account("neu", "university", "10145", PASSWORD, actor="cli:admin")
    ps.authenticate("neu", "wrong password 1")
    ps.authenticate("neu", PASSWORD)
    ps.reset_password("neu", "another long password", actor="cli:admin")
    with ps.engine().connect() as con:
        [stored] = con.execute(sa.select(ps.accounts.c.password_hash)).scalars().all()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    logged = audit_text(state)
    for secret in (PASSWORD, "wrong password 1", "another long password", "$argon2", stored):
        assert secret not in logged
    assert {e.action for e in ps.audit_entries()} == {"account_added", "sign_in_failed", "sign_in",
                                                       "password_reset"}


def test_a_short_password_is_refused(state):
    with pytest.raises(ps.AccountError, match="at least 10"):
        ps.add_account("neu", "university", "10145", "short", actor="cli:admin")


# --- signing in ------------------------------------------------------------------------------------------------
def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(state, clock):
    ps.add_account("neu", "university", "10145", PASSWORD, actor="cli:admin")
    outcomes = [ps.authenticate("neu", f"guess number {i}") for i in range(5)]
    assert [o.outcome for o in outcomes] == ["refused"] * 5
    assert ps.get_account("neu").locked_until == clock.at + dt.timedelta(minutes=15)
    # while locked, even the right password is refused
    clock.advance(minutes=14, seconds=59)
    assert ps.authenticate("neu", PASSWORD).outcome == "refused"
    clock.advance(seconds=2)  # the lock has run out
    signed_in = ps.authenticate("neu", PASSWORD)
    assert signed_in.outcome == "ok"
    assert signed_in.viewer == ps.Viewer("university", "10145", "neu", "neu")
    actions = [e.action for e in reversed(ps.audit_entries())]
    assert actions == ["account_added", *["sign_in_failed"] * 5, "account_locked", "sign_in_refused", "sign_in"]


def test_after_a_lock_runs_out_the_count_starts_again(state, clock):
    ps.add_account("neu", "university", "10145", PASSWORD, actor="cli:admin")
    for i in range(5):
        ps.authenticate("neu", f"guess {i} xxxxx")
    clock.advance(minutes=16)
    assert ps.authenticate("neu", "one more guess").outcome == "refused"
    assert ps.get_account("neu").failed_attempts == 1


def test_a_successful_sign_in_clears_the_failures(state):
    ps.add_account("neu", "university", "10145", PASSWORD, actor="cli:admin")
    for i in range(4):
        ps.authenticate("neu", f"guess {i} xxxxx")
    assert ps.authenticate("neu", PASSWORD).outcome == "ok"
    assert ps.get_account("neu").failed_attempts == 0
    ps.authenticate("neu", "guess again")
    assert ps.get_account("neu").failed_attempts == 1


def test_an_unknown_name_gets_the_same_answer_and_is_not_logged(state):
    ps.add_account("neu", "university", "10145", PASSWORD, actor="cli:admin")
    assert ps.authenticate("my-password-typed-here", PASSWORD).outcome == "refused"
    assert "my-password-typed-here" not in audit_text(state)
    [entry] = [e for e in ps.audit_entries() if e.action == "sign_in_failed"]
    assert entry.detail == "unknown user name"


def test_a_disabled_account_cannot_sign_in_and_is_signed_out(state):
    ps.add_account("neu", "university", "10145", PASSWORD, actor="cli:admin")
    session = ps.start_session(ps.authenticate("neu", PASSWORD).viewer)
    assert ps.viewer_of_session(session.token).username == "neu"
    ps.set_disabled("neu", True, actor="staff")
    assert ps.viewer_of_session(session.token) is None
    assert ps.authenticate("neu", PASSWORD).outcome == "refused"
    assert ps.active_account_count() == 0
    ps.set_disabled("neu", False, actor="staff")
    assert ps.authenticate("neu", PASSWORD).outcome == "ok"


def test_every_refusal_is_the_same_answer_and_only_the_audit_log_says_why(state, clock, monkeypatch):
    """A guesser learns nothing from the answer: not which names exist, nor how many tries are left, nor that
    the password of a locked or disabled account was right. Each attempt costs one verification, so the time
    it takes says nothing either."""
    ps.add_account("neu", "university", "10145", PASSWORD, actor="cli:admin")
    ps.add_account("locked", "university", "10145", PASSWORD, actor="cli:admin")
    ps.add_account("gone", "university", "10145", PASSWORD, actor="cli:admin")
    for i in range(settings.SIGN_IN_ATTEMPTS):
        ps.authenticate("locked", f"guess {i} xxxxx")
    ps.set_disabled("gone", True, actor="staff")
    for i in range(2):
        ps.authenticate("neu", f"guess {i} xxxxx")
    verifications = []
    real_verify = ps._verify
    monkeypatch.setattr(ps, "_verify", lambda *a: verifications.append(1) or real_verify(*a))
    answers = {
        "unknown name": ps.authenticate("nobody-here", PASSWORD),
        "wrong password, third in a row": ps.authenticate("neu", "guess 2 xxxxx"),
        "locked, right password": ps.authenticate("locked", PASSWORD),
        "locked, wrong password": ps.authenticate("locked", "guess 9 xxxxx"),
        "disabled, right password": ps.authenticate("gone", PASSWORD),
        "disabled, wrong password": ps.authenticate("gone", "guess 9 xxxxx"),
    }
    assert set(answers.values()) == {ps.SignIn("refused")}, answers
    assert len(verifications) == len(answers)
    reasons = [(e.subject, e.detail) for e in reversed(ps.audit_entries(len(answers)))]
    assert reasons == [(None, "unknown user name"), ("neu", "wrong password (3 in a row)"),
                       ("locked", "account locked"), ("locked", "account locked"),
                       ("gone", "account disabled"), ("gone", "account disabled")]
    assert ps.get_account("gone").failed_attempts == 0  # a disabled account's password is not even checked
    for secret in (PASSWORD, "guess 2 xxxxx", "guess 9 xxxxx"):
        assert secret not in audit_text(state)


# --- sessions ----------------------------------------------------------------------------------------------------
def test_a_session_lasts_its_hours_and_ends_on_sign_out(state, clock, monkeypatch):
    monkeypatch.setenv("PORTAL_SESSION_HOURS", "8")
    ps.add_account("staff", "data_staff", None, PASSWORD, actor="cli:admin")
    viewer = ps.authenticate("staff", PASSWORD).viewer
    first, second = ps.start_session(viewer), ps.start_session(viewer)
    assert first.expires_at == clock.at + dt.timedelta(hours=8)
    clock.advance(hours=7, minutes=59)
    assert ps.viewer_of_session(first.token) == viewer  # as a page refresh finds it
    ps.end_session(first.token)
    assert ps.viewer_of_session(first.token) is None
    assert ps.viewer_of_session(second.token) == viewer  # signing out here leaves the other browser signed in
    clock.advance(minutes=2)
    assert ps.viewer_of_session(second.token) is None  # run out
    assert "sign_out" in [e.action for e in ps.audit_entries()]


def test_a_forged_or_foreign_session_token_opens_nothing(state, monkeypatch):
    ps.add_account("staff", "data_staff", None, PASSWORD, actor="cli:admin")
    token = ps.start_session(ps.authenticate("staff", PASSWORD).viewer).token
    payload, timestamp, signature = token.split(".")
    tampered = f"{payload}.{timestamp}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    for forged in (tampered, "", "nonsense", payload):
        assert ps.viewer_of_session(forged) is None
    monkeypatch.setenv("PORTAL_SESSION_SECRET", "another portal's session key " * 2)
    assert ps.viewer_of_session(token) is None


def test_a_password_reset_ends_the_sessions_and_lifts_the_lock(state):
    ps.add_account("neu", "university", "10145", PASSWORD, actor="cli:admin")
    token = ps.start_session(ps.authenticate("neu", PASSWORD).viewer).token
    for i in range(5):
        ps.authenticate("neu", f"guess {i} xxxxx")
    ps.reset_password("neu", "a brand new password", actor="staff")
    assert ps.viewer_of_session(token) is None
    assert ps.authenticate("neu", PASSWORD).outcome == "refused"
    assert ps.authenticate("neu", "a brand new password").outcome == "ok"


def test_the_session_key_file_is_made_once_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SESSION_SECRET", raising=False)
    monkeypatch.setenv("PORTAL_SESSION_SECRET_FILE", str(tmp_path / "keys" / "session.key"))
    first = ps.session_secret()
    assert ps.session_secret() == first and len(first) == 64
    assert stat.S_IMODE((tmp_path / "keys" / "session.key").stat().st_mode) == 0o600


# --- the database itself -------------------------------------------------------------------------------------------
def test_the_default_state_is_a_private_sqlite_file_in_wal_mode_beside_the_warehouse(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_STATE_URL", raising=False)
    monkeypatch.setenv("PORTAL_WAREHOUSE", str(tmp_path / "published" / "portal.duckdb"))
    monkeypatch.setenv("PORTAL_SESSION_SECRET", "test session key " * 3)
    try:
        ps.add_account("staff", "data_staff", None, PASSWORD, actor="cli:admin")
        path = tmp_path / "published" / settings.PORTAL_STATE_FILE
        assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it holds password hashes
        with sqlite3.connect(path) as con:
            assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            assert con.execute("SELECT username, role FROM accounts").fetchall() == [("staff", "data_staff")]
    finally:
        ps.dispose_engines()


def test_every_table_is_made_for_the_next_steps(state):
    ps.list_accounts()  # makes the tables
    inspector = sa.inspect(ps.engine())
    assert set(inspector.get_table_names()) == {"accounts", "sessions", "audit_log", "submissions",
                                                "portal_state_meta"}
    assert {c["name"] for c in inspector.get_columns("submissions")} >= {
        "username", "submitted_at", "kind", "file_name", "sha256", "rows_read", "rows_loaded",
        "rows_quarantined", "status", "build_id", "message"}


# --- the command line ----------------------------------------------------------------------------------------------
def portal(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], input=stdin, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=120)


def test_portal_users_add_list_disable_and_reset(state):
    added = portal("users", "add", "neu", "--role", "university", "--scope", "10145", "--name", "东北大学教务处",
                   "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "added neu (university: 10145 东北大学)" in added.stdout and PASSWORD not in added.stdout
    generated = portal("users", "add", "staff", "--role", "data_staff", "--generate-password")
    [password] = [line.rsplit(": ", 1)[1] for line in generated.stdout.splitlines() if "shown once" in line]
    assert ps.authenticate("staff", password).outcome == "ok"
    assert ps.authenticate("neu", PASSWORD).outcome == "ok"
    listed = portal("users", "list").stdout
    assert "neu" in listed and "东北大学教务处" in listed and "staff" in listed and "$argon2" not in listed
    assert portal("users", "disable", "neu").returncode == 0
    assert ps.authenticate("neu", PASSWORD).outcome == "refused"
    [listed_neu] = [line for line in portal("users", "list").stdout.splitlines() if line.startswith("neu ")]
    assert "disabled" in listed_neu
    reset = portal("users", "reset-password", "staff", "--password-stdin", stdin="a new staff password\n")
    assert reset.returncode == 0 and ps.authenticate("staff", "a new staff password").outcome == "ok"
    assert [e.actor for e in ps.audit_entries() if e.action == "account_added"][0].startswith("cli:")


def test_portal_users_add_refuses_bad_input_with_the_reason(state):
    refused = portal("users", "add", "neu", "--role", "university", "--scope", "99999", "--password-stdin",
                     stdin=PASSWORD + "\n")
    assert refused.returncode == 2 and "no university with code '99999'" in refused.stderr
    no_terminal = portal("users", "add", "neu", "--role", "university", "--scope", "10145")
    assert no_terminal.returncode != 0 and "--password-stdin" in no_terminal.stderr
    assert ps.list_accounts() == []


def test_accounts_made_for_a_named_warehouse_live_beside_it(tmp_path, monkeypatch, capsys):
    """`portal users … --warehouse W` keeps its accounts beside W, and leaves PORTAL_WAREHOUSE as it was (the
    state database is worked out from the argument, not by changing the process's environment)."""
    from dashboard.settings import PORTAL_STATE_FILE
    from pipelines import cli

    monkeypatch.delenv("PORTAL_STATE_URL", raising=False)
    monkeypatch.setenv("PORTAL_WAREHOUSE", str(tmp_path / "elsewhere" / "portal.duckdb"))
    (tmp_path / "served").mkdir()
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    try:
        assert cli.main(["users", "add", "staff", "--role", "data_staff", "--password-stdin",
                         "--warehouse", str(tmp_path / "served" / "portal.duckdb")]) == 0
        beside = f"sqlite:///{tmp_path / 'served' / PORTAL_STATE_FILE}"
        assert [a.username for a in ps.list_accounts(url=beside)] == ["staff"]
        assert os.environ["PORTAL_WAREHOUSE"] == str(tmp_path / "elsewhere" / "portal.duckdb")
        assert not (tmp_path / "elsewhere").exists()
    finally:
        ps.dispose_engines()


def test_the_dashboard_refuses_an_open_address_until_an_account_exists(state, tmp_path):
    from pipelines.accounts_cli import refusal_to_serve

    refused = portal("dashboard", "--address", "0.0.0.0", "--warehouse", str(tmp_path / "portal.duckdb"))
    assert refused.returncode == 2
    assert "portal users add" in refused.stderr and "--public" in refused.stderr
    assert refusal_to_serve("127.0.0.1", public=False) is None  # this machine only: fine
    assert refusal_to_serve("0.0.0.0", public=True) is None  # said explicitly
    ps.add_account("staff", "data_staff", None, PASSWORD, actor="cli:admin")
    assert refusal_to_serve("0.0.0.0", public=False) is None
    ps.set_disabled("staff", True, actor="cli:admin")
    assert "no account" in refusal_to_serve("192.168.1.5", public=False)


def test_demo_accounts_one_per_role_printed_once_and_renewed_not_duplicated(demo_build, tmp_path, monkeypatch,
                                                                             capsys):
    from pipelines import cli

    monkeypatch.setenv("PORTAL_STATE_URL", f"sqlite:///{tmp_path / 'state.sqlite'}")
    monkeypatch.setenv("PORTAL_SESSION_SECRET", "test session key " * 3)
    monkeypatch.setenv("PORTAL_WAREHOUSE", str(demo_build.warehouse))  # the command sets it: restored after

    def passwords() -> dict[str, str]:
        assert cli.main(["demo-accounts", "--warehouse", str(demo_build.warehouse)]) == 0
        printed = capsys.readouterr().out
        assert "DEMO ACCOUNTS" in printed
        return {line.split()[0]: line.split()[2] for line in printed.splitlines() if line.startswith("  demo-")}

    try:
        first = passwords()
        assert {a.username: a.role for a in ps.list_accounts()} == {
            "demo-education": "education", "demo-university": "university", "demo-enterprise": "enterprise",
            "demo-staff": "data_staff"}
        scopes = {a.username: a.scope for a in ps.list_accounts()}
        with demo_build.connect() as con:  # a real university and enterprise of the demo, with placements
            assert con.execute("SELECT count(*) FROM facts.placements WHERE university_code = ?",
                               [scopes["demo-university"]]).fetchone()[0] > 0
            assert con.execute("SELECT count(*) FROM facts.placements WHERE enterprise_id = ?",
                               [scopes["demo-enterprise"]]).fetchone()[0] > 0
        assert scopes["demo-education"] == "辽宁省" and scopes["demo-staff"] is None
        second = passwords()
        assert len(ps.list_accounts()) == 4 and second.keys() == first.keys()
        for username, password in second.items():
            assert password != first[username]
            assert ps.authenticate(username, first[username]).outcome == "refused"
            assert ps.authenticate(username, password).outcome == "ok"
    finally:
        ps.dispose_engines()


# --- signing in at the same time ------------------------------------------------------------------------------
@pytest.fixture
def light_hashes(monkeypatch):
    """argon2 at a small cost, so forty sign-ins at once stay light on a shared machine (the race is in the
    database, not in the hash; a verification still takes long enough for the others to run meanwhile)."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(ps, "_hasher", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1))
    monkeypatch.setattr(ps, "_DUMMY_HASH", [])


def at_once(username: str, passwords: list[str]) -> list[ps.SignIn]:
    """Every password tried on the account at the same moment, one thread each, as a script would."""
    start = threading.Barrier(len(passwords))

    def attempt(password: str) -> ps.SignIn:
        start.wait()
        return ps.authenticate(username, password)

    with ThreadPoolExecutor(len(passwords)) as pool:
        return list(pool.map(attempt, passwords))


def wrong_passwords_checked() -> int:
    return sum(e.action == "sign_in_failed" and "wrong password" in (e.detail or "") for e in ps.audit_entries(1000))


def test_forty_wrong_passwords_at_once_get_five_checked_and_the_account_locked(state, light_hashes):
    ps.add_account("neu", "university", "10145", PASSWORD, actor="cli:admin")
    answers = at_once("neu", [f"guess number {i}" for i in range(40)])
    assert {a.outcome for a in answers} == {"refused"}
    assert wrong_passwords_checked() == settings.SIGN_IN_ATTEMPTS
    account = ps.get_account("neu")
    assert account.failed_attempts == settings.SIGN_IN_ATTEMPTS and account.locked(ps.now())
    assert ps.authenticate("neu", PASSWORD).outcome == "refused"  # the right one, now: still locked


def test_the_right_password_among_wrong_ones_at_once_gets_no_more_guesses_checked(state, light_hashes):
    ps.add_account("neu", "university", "10145", PASSWORD, actor="cli:admin")
    for i in range(settings.SIGN_IN_ATTEMPTS - 1):
        ps.authenticate("neu", f"earlier guess {i}")
    passwords = [f"guess number {i}" for i in range(39)]
    passwords.insert(20, PASSWORD)
    answers = at_once("neu", passwords)
    guesses = wrong_passwords_checked() - (settings.SIGN_IN_ATTEMPTS - 1)
    if answers[20].outcome == "ok":
        # it was the fifth try, which signs in and ends the row of failures; the guesses after it start a new one
        assert guesses <= settings.SIGN_IN_ATTEMPTS
    else:
        # a guess was the fifth try and locked the account: the right password came too late to be checked
        assert guesses == 1 and ps.get_account("neu").locked(ps.now())
    assert sum(a.outcome == "ok" for a in answers) == (answers[20].outcome == "ok")
