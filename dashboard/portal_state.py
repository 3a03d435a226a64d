"""The portal's own state: accounts, sign-in sessions, the audit log and submissions (DESIGN.md "Portal state").

One module for one small transactional database, never the warehouse: a SQLite file in WAL mode beside the
published warehouse by default, PostgreSQL when PORTAL_STATE_URL names one (several dashboard servers then
share it). SQLAlchemy Core gives both one code path. Passwords are hashed with argon2id (argon2-cffi); no
password and no hash is ever written to the audit log.

The viewer's identity is one frozen `Viewer` (role, scope, username): pages receive it, and queries are to take
it as a bound argument, so what a page shows can never be wider than the scope of whoever is looking.

Nothing here imports Streamlit: the `portal users` command, the dashboard and the tests share it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dashboard import settings
from sources import settings as sources_settings
from sources.pseudonymise import mask_personal_text
from warehouse import settings as warehouse_settings

# --- roles and the viewer ---------------------------------------------------------------------------
EDUCATION, UNIVERSITY, ENTERPRISE, DATA_STAFF = "education", "university", "enterprise", "data_staff"
ROLES = (EDUCATION, UNIVERSITY, ENTERPRISE, DATA_STAFF)
#: the scope of an education department that oversees the whole region (the marts' name for it)
REGION = warehouse_settings.REGION_GEOGRAPHY
_REGION_SPELLINGS = {REGION, "region", "东北", "东北三省", "东北地区"}


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a signed-in account's role and scope, or nobody (role None).

    scope is a province name or REGION (education), a university code (university), a unified social credit
    code (enterprise), None for data staff (everything) and for nobody."""

    role: str | None = None
    scope: str | None = None
    username: str | None = None
    display_name: str = ""

    @property
    def signed_in(self) -> bool:
        return self.role is not None

    @property
    def is_staff(self) -> bool:
        return self.role == DATA_STAFF


ANONYMOUS = Viewer()


@dataclass(frozen=True)
class Account:
    """An account as listed (never with its password hash)."""

    username: str
    display_name: str
    role: str
    scope: str | None
    disabled: bool
    failed_attempts: int
    locked_until: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    def viewer(self) -> Viewer:
        return Viewer(self.role, self.scope, self.username, self.display_name)

    def locked(self, at: dt.datetime) -> bool:
        return self.locked_until is not None and self.locked_until > at


class AccountError(ValueError):
    """A request the state refuses, with a code the dashboard translates (labels `account_error_<code>`) and an
    English message for the command line."""

    MESSAGES = {
        "bad_username": "a user name is 2 to 64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit: {value!r}",
        "username_taken": "an account named {value!r} already exists",
        "unknown_account": "no account named {value!r}",
        "unknown_role": "unknown role {value!r}: one of " + ", ".join(ROLES),
        "scope_required": "a {role} account needs --scope ({what})",
        "scope_not_allowed": "a data_staff account sees everything: it takes no scope",
        "unknown_province": "not a province of the region, nor the whole region ({known}): {value!r}",
        "unknown_university": "no university with code {value!r} in the university list (sources/reference/universities.csv)",
        "bad_credit_code": "not an 18-character unified social credit code (统一社会信用代码): {value!r}",
        "credit_code_like_id_number": "this credit code has the shape of an ID number, which the warehouse never "
                                      "stores: the enterprise's rows could not load, nor its submissions",
        "short_password": "a password needs at least {n} characters",
    }

    def __init__(self, code: str, **values: object):
        self.code = code
        self.values = values
        super().__init__(self.MESSAGES[code].format(**values))


SCOPE_WHAT = {
    EDUCATION: f"a province such as 辽宁省, or {REGION} for the whole region",
    UNIVERSITY: "the university's code, e.g. 10145",
    ENTERPRISE: "the enterprise's 18-character unified social credit code",
}
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")


def normalise_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not USERNAME.match(name):
        raise AccountError("bad_username", value=username)
    return name


def _reference_rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def province_names() -> list[str]:
    return [row["province_name"] for row in _reference_rows(sources_settings.reference_dir() / "provinces.csv")]


def _university_rows() -> list[dict[str, str]]:
    """Every university a build knows: the bundled list and the landing folder's supplement."""
    return (_reference_rows(sources_settings.reference_dir() / "universities.csv")
            + _reference_rows(sources_settings.landing_dir() / sources_settings.LANDING_REFERENCE_UNIVERSITIES))


def university_names() -> dict[str, str]:
    """code -> name of every university a build knows."""
    return {row["university_code"].strip(): row.get("university_name", "").strip() for row in _university_rows()}


def scope_label(role: str | None, scope: str | None, english: bool = False) -> str:
    """A scope as people read it: 辽宁省 / Liaoning, 10145 东北大学 / 10145 Northeastern University, a credit code."""
    if role == DATA_STAFF:
        return "everything" if english else "全部数据"
    if scope is None:
        return ""
    name = "name_en" if english else "name"
    if role == EDUCATION:
        if scope == REGION:
            return "the Northeast" if english else "东北三省"
        for row in _reference_rows(sources_settings.reference_dir() / "provinces.csv"):
            if row["province_name"] == scope:
                return row[f"province_{name}"] or scope
        return scope
    if role == UNIVERSITY:
        for row in _university_rows():
            if row["university_code"].strip() == scope:
                return f"{scope} {row.get(f'university_{name}') or row.get('university_name') or ''}".strip()
    return scope


def normalise_scope(role: str, scope: str | None) -> str | None:
    """The scope as stored, checked against the role: a province or the region, a known university code, a
    well-formed credit code, or nothing for data staff."""
    if role not in ROLES:
        raise AccountError("unknown_role", value=role)
    value = (scope or "").strip()
    if role == DATA_STAFF:
        if value:
            raise AccountError("scope_not_allowed")
        return None
    if not value:
        raise AccountError("scope_required", role=role, what=SCOPE_WHAT[role])
    if role == EDUCATION:
        if value.lower() in _REGION_SPELLINGS:
            return REGION
        provinces = province_names()
        if value not in provinces:
            raise AccountError("unknown_province", value=value, known=", ".join([*provinces, REGION]))
        return value
    if role == UNIVERSITY:
        if value not in university_names():
            raise AccountError("unknown_university", value=value)
        return value
    code = value.upper()
    if not re.match(sources_settings.USCC_PATTERN, code):
        raise AccountError("bad_credit_code", value=value)
    if mask_personal_text(code) != code:  # (the message does not repeat it: it may be a person's ID number)
        raise AccountError("credit_code_like_id_number")
    return code


# --- passwords -------------------------------------------------------------------------------------
_hasher = None


def _password_hasher():
    global _hasher
    if _hasher is None:
        from argon2 import PasswordHasher

        _hasher = PasswordHasher()  # argon2id with the library's (RFC 9106) parameters
    return _hasher


def hash_password(password: str) -> str:
    return _password_hasher().hash(password)


def _verify(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _password_hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH: list[str] = []


def _spend_a_verification(password: str) -> None:
    """Verify against a throw-away hash, so an unknown user name takes as long to refuse as a wrong password."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(hash_password(secrets.token_urlsafe(16)))
    _verify(_DUMMY_HASH[0], password)


def generate_password() -> str:
    """A password to hand to a person once: 16 characters from an unambiguous alphabet, ~95 bits."""
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


def check_password_rule(password: str) -> None:
    if len(password or "") < settings.MIN_PASSWORD_LENGTH:
        raise AccountError("short_password", n=settings.MIN_PASSWORD_LENGTH)


# --- time ------------------------------------------------------------------------------------------
def now() -> dt.datetime:
    """The current time in UTC (tests replace this to let a lock or a session run out)."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """An instant, stored as UTC without a zone (SQLite has none) and read back as an aware UTC datetime."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=dt.UTC)


# --- the tables ------------------------------------------------------------------------------------
#: raised (with a migration in `_migrate`) when a table changes
SCHEMA_VERSION = 1
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite numbers rows only for INTEGER keys

metadata = sa.MetaData()
meta = sa.Table(
    "portal_state_meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)
accounts = sa.Table(
    "accounts", metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    # a province name or the region / a university code / a unified social credit code; NULL: everything
    sa.Column("scope", sa.String(64)),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("failed_attempts", sa.Integer, nullable=False),
    sa.Column("locked_until", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.CheckConstraint(f"role IN ({', '.join(repr(role) for role in ROLES)})", name="accounts_role"),
)
sessions = sa.Table(
    "sessions", metadata,
    # SHA-256 of the session id the signed cookie carries: the table alone opens no session
    sa.Column("session_hash", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(64), sa.ForeignKey("accounts.username"), nullable=False, index=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("ended_at", UTCDateTime),
)
audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False, index=True),
    # who did it: an account, `cli:<system user>`, or NULL for a sign-in attempt (nobody is known yet)
    sa.Column("actor", sa.String(100)),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("subject", sa.String(64)),  # the account it concerns
    sa.Column("detail", sa.Text),
)
submissions = sa.Table(
    "submissions", metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), sa.ForeignKey("accounts.username"), nullable=False, index=True),
    sa.Column("submitted_at", UTCDateTime, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # catalogue, survey, bases, placements
    sa.Column("file_name", sa.String(255), nullable=False),  # as the submitter named it
    sa.Column("stored_as", sa.String(1000)),  # its path in the landing folder
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size_bytes", sa.BigInteger),
    sa.Column("rows_read", sa.Integer),
    sa.Column("rows_loaded", sa.Integer),
    sa.Column("rows_quarantined", sa.Integer),
    sa.Column("status", sa.String(20), nullable=False),  # waiting, loaded, rejected
    sa.Column("build_id", sa.String(64)),  # the build that loaded or rejected it
    sa.Column("message", sa.Text),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("status IN ('waiting', 'loaded', 'rejected')", name="submissions_status"),
)


# --- the database ----------------------------------------------------------------------------------
_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def _create_private_file(path: Path) -> None:
    """The SQLite file readable by its owner only: it holds password hashes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def _new_engine(url: str) -> Engine:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _create_private_file(Path(parsed.database))
        # timeout: wait for another process's write instead of failing at once
        engine = sa.create_engine(parsed, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # transactions are begun below, not by the driver
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _on_begin(connection):
            # take the write lock at the start, so a read-then-write (a failed sign-in's count) is never lost
            # to another process's write in between
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        if parsed.drivername in ("postgresql", "postgres"):
            # SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3; the driver installed (by dagster-postgres)
            # is psycopg2
            parsed = parsed.set(drivername="postgresql+psycopg2")
        engine = sa.create_engine(parsed, pool_pre_ping=True)
    metadata.create_all(engine)
    with engine.begin() as con:
        if con.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).first() is None:
            con.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
    return engine


def engine(url: str | None = None) -> Engine:
    """The state database's engine (made once per URL per process, its tables created when missing)."""
    url = url or settings.portal_state_url()
    with _engines_lock:
        if url not in _engines:
            _engines[url] = _new_engine(url)
        return _engines[url]


def dispose_engines() -> None:
    with _engines_lock:
        for made in _engines.values():
            made.dispose()
        _engines.clear()


def describe_url(url: str | None = None) -> str:
    """The state database's URL with any password hidden, for messages."""
    return sa.make_url(url or settings.portal_state_url()).render_as_string(hide_password=True)


@contextmanager
def _transaction(url: str | None) -> Iterator[Connection]:
    with engine(url).begin() as con:
        yield con


def _audit(con: Connection, actor: str | None, action: str, subject: str | None = None,
           detail: str | None = None) -> None:
    con.execute(audit_log.insert().values(at=now(), actor=actor, action=action, subject=subject, detail=detail))


def _account(row) -> Account:
    return Account(row.username, row.display_name, row.role, row.scope, bool(row.disabled),
                   row.failed_attempts, row.locked_until, row.created_at, row.updated_at)


_LISTED = [accounts.c[name] for name in ("username", "display_name", "role", "scope", "disabled",
                                         "failed_attempts", "locked_until", "created_at", "updated_at")]


def _row_for_update(con: Connection, username: str):
    row = con.execute(sa.select(accounts).where(accounts.c.username == username).with_for_update()).first()
    if row is None:
        raise AccountError("unknown_account", value=username)
    return row


# --- accounts --------------------------------------------------------------------------------------
def add_account(username: str, role: str, scope: str | None, password: str, display_name: str = "", *,
                actor: str, url: str | None = None) -> Account:
    name = normalise_username(username)
    scope = normalise_scope(role, scope)
    check_password_rule(password)
    password_hash = hash_password(password)
    at = now()
    with _transaction(url) as con:
        if con.execute(sa.select(accounts.c.username).where(accounts.c.username == name)).first():
            raise AccountError("username_taken", value=name)
        con.execute(accounts.insert().values(
            username=name, display_name=(display_name or "").strip() or name, role=role, scope=scope,
            password_hash=password_hash, disabled=False, failed_attempts=0, locked_until=None, created_at=at,
            updated_at=at))
        _audit(con, actor, "account_added", name, f"role {role}" + (f", scope {scope}" if scope else ""))
    return get_account(name, url=url)


def get_account(username: str, *, url: str | None = None) -> Account:
    name = (username or "").strip().lower()
    with engine(url).connect() as con:
        row = con.execute(sa.select(*_LISTED).where(accounts.c.username == name)).first()
    if row is None:
        raise AccountError("unknown_account", value=username)
    return _account(row)


def list_accounts(*, url: str | None = None) -> list[Account]:
    with engine(url).connect() as con:
        return [_account(row) for row in con.execute(sa.select(*_LISTED).order_by(accounts.c.username))]


def active_account_count(*, url: str | None = None) -> int:
    """Accounts that can sign in (not disabled)."""
    with engine(url).connect() as con:
        return con.execute(sa.select(sa.func.count()).select_from(accounts)
                           .where(accounts.c.disabled == sa.false())).scalar_one()


def _end_sessions(con: Connection, username: str) -> None:
    con.execute(sessions.update().where(sessions.c.username == username, sessions.c.ended_at.is_(None))
                .values(ended_at=now()))


def set_disabled(username: str, disabled: bool, *, actor: str, url: str | None = None) -> Account:
    """Disable an account (its sessions end at once: its next page view is signed out) or enable it again."""
    name = (username or "").strip().lower()
    with _transaction(url) as con:
        _row_for_update(con, name)
        con.execute(accounts.update().where(accounts.c.username == name)
                    .values(disabled=disabled, failed_attempts=0, locked_until=None, updated_at=now()))
        if disabled:
            _end_sessions(con, name)
        _audit(con, actor, "account_disabled" if disabled else "account_enabled", name)
    return get_account(name, url=url)


def reset_password(username: str, password: str, *, actor: str, url: str | None = None) -> Account:
    """Set a new password; lifts a lock and ends the account's sessions (whoever had it must sign in again)."""
    name = (username or "").strip().lower()
    check_password_rule(password)
    password_hash = hash_password(password)
    with _transaction(url) as con:
        _row_for_update(con, name)
        con.execute(accounts.update().where(accounts.c.username == name)
                    .values(password_hash=password_hash, failed_attempts=0, locked_until=None, updated_at=now()))
        _end_sessions(con, name)
        _audit(con, actor, "password_reset", name)
    return get_account(name, url=url)


# --- signing in ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: `ok` (with the viewer) or `refused`. A refusal does not say why (an
    unknown name, a wrong password, a locked or a disabled account): an answer that differed would tell a guesser
    which names exist and, for a locked or disabled account, that the password was right. The reason is in the
    audit log, for the data staff."""

    outcome: str
    viewer: Viewer = ANONYMOUS


REFUSED = SignIn("refused")


def authenticate(username: str, password: str, *, source: str = "", url: str | None = None) -> SignIn:
    """Check a user name and password, counting failures: settings.SIGN_IN_ATTEMPTS in a row lock the account
    for settings.LOCKOUT_MINUTES. Every attempt is in the audit log with its reason; `source` says where it
    came from.

    The attempt is counted before its password is checked, in one transaction that holds the account's row
    (FOR UPDATE on PostgreSQL; BEGIN IMMEDIATE on SQLite), and the attempt that reaches the limit locks the
    account there and then. So however many attempts arrive at once, at most SIGN_IN_ATTEMPTS passwords are
    checked before the lock, and none while it holds: a check decided on a row read earlier let 24 of 40
    simultaneous guesses through. A right password then ends the row of failures (and lifts the lock its own
    attempt may have set). The password of a locked or disabled account is never checked, and an unknown name,
    a locked or a disabled account spend a verification of a throw-away hash instead, so every refusal takes
    about as long."""
    name = (username or "").strip().lower()
    where = f" from {source}" if source else ""
    at = now()
    with _transaction(url) as con:
        row = con.execute(sa.select(accounts).where(accounts.c.username == name).with_for_update()).first()
        if row is None:
            # the name typed is not recorded: people type a password into the name field now and then
            _audit(con, None, "sign_in_failed", None, "unknown user name" + where)
            admitted = False
        elif row.disabled:
            _audit(con, None, "sign_in_refused", name, "account disabled" + where)
            admitted = False
        elif row.locked_until is not None and row.locked_until > at:
            _audit(con, None, "sign_in_refused", name, "account locked" + where)
            admitted = False
        else:
            admitted = True
            lock_ran_out = row.locked_until is not None and row.locked_until <= at
            failures = (0 if lock_ran_out else row.failed_attempts) + 1
            locked_until = at + dt.timedelta(minutes=settings.LOCKOUT_MINUTES) \
                if failures >= settings.SIGN_IN_ATTEMPTS else None
            con.execute(accounts.update().where(accounts.c.username == name)
                        .values(failed_attempts=failures, locked_until=locked_until))
    if not admitted:
        _spend_a_verification(password or "")
        return REFUSED
    # outside the transaction: a verification takes a good fraction of a second, other accounts need not wait
    correct = _verify(row.password_hash, password or "")
    with _transaction(url) as con:
        if correct:
            now_row = _row_for_update(con, name)
            if now_row.password_hash != row.password_hash:  # reset meanwhile: the old password opens nothing
                correct = False
            elif now_row.disabled:  # disabled meanwhile
                _audit(con, None, "sign_in_refused", name, "account disabled" + where)
                return REFUSED
        if correct:
            values = {"failed_attempts": 0, "locked_until": None}
            if _password_hasher().check_needs_rehash(row.password_hash):
                values["password_hash"] = hash_password(password)
            con.execute(accounts.update().where(accounts.c.username == name).values(**values))
            _audit(con, name, "sign_in", name, where.strip() or None)
            return SignIn("ok", viewer=_account(now_row).viewer())
        _audit(con, None, "sign_in_failed", name, f"wrong password ({failures} in a row){where}")
        if locked_until is not None:
            _audit(con, None, "account_locked", name,
                   f"{failures} failed sign-ins in a row: locked for {settings.LOCKOUT_MINUTES} minutes")
        return REFUSED


# --- sessions: what keeps a sign-in across page refreshes -------------------------------------------
@dataclass(frozen=True)
class Session:
    token: str  # signed; what the browser's cookie holds
    expires_at: dt.datetime


def _write_new_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".session-key-")
    try:
        with os.fdopen(fd, "w") as f:  # mkstemp makes it 0600
            f.write(secrets.token_hex(32))
        os.link(temporary, path)  # atomic, and fails if another process made the key first
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)


def session_secret() -> bytes:
    """The key that signs session cookies: PORTAL_SESSION_SECRET, else a key file made once (mode 0600) beside
    the pseudonymisation key. Every dashboard server of one portal needs the same key."""
    explicit = os.environ.get("PORTAL_SESSION_SECRET")
    if explicit:
        return explicit.encode("utf-8")
    path = settings.session_secret_file()
    if not path.exists():
        _write_new_key(path)
    return path.read_text().strip().encode("utf-8")


def _serializer():
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(session_secret(), salt="portal-session")


def _hash_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


def start_session(viewer: Viewer, *, url: str | None = None) -> Session:
    """A new sign-in session for a viewer who has just signed in, lasting settings.session_hours()."""
    session_id = secrets.token_urlsafe(32)
    at = now()
    expires_at = at + dt.timedelta(hours=settings.session_hours())
    with _transaction(url) as con:
        con.execute(sessions.insert().values(session_hash=_hash_id(session_id), username=viewer.username,
                                             created_at=at, expires_at=expires_at, ended_at=None))
    return Session(_serializer().dumps(session_id), expires_at)


def _session_id(token: str | None) -> str | None:
    from itsdangerous import BadSignature

    if not token:
        return None
    try:
        session_id = _serializer().loads(token, max_age=int(settings.session_hours() * 3600) + 60)
    except BadSignature:  # forged, made with another key, or older than any session lasts
        return None
    return session_id if isinstance(session_id, str) else None


def viewer_of_session(token: str | None, *, url: str | None = None) -> Viewer | None:
    """The viewer a session token stands for, or None when it is forged, ended, run out, or its account is
    disabled (checked on every page view, so disabling an account or signing out takes effect at once)."""
    session_id = _session_id(token)
    if session_id is None:
        return None
    with engine(url).connect() as con:
        row = con.execute(
            sa.select(accounts.c.username, accounts.c.display_name, accounts.c.role, accounts.c.scope)
            .select_from(sessions.join(accounts, sessions.c.username == accounts.c.username))
            .where(sessions.c.session_hash == _hash_id(session_id), sessions.c.ended_at.is_(None),
                   sessions.c.expires_at > now(), accounts.c.disabled == sa.false())).first()
    return None if row is None else Viewer(row.role, row.scope, row.username, row.display_name)


def end_session(token: str | None, *, url: str | None = None) -> None:
    """Sign out: the session ends in the database, so its cookie opens nothing any more."""
    session_id = _session_id(token)
    if session_id is None:
        return
    with _transaction(url) as con:
        ended = con.execute(
            sessions.update().where(sessions.c.session_hash == _hash_id(session_id), sessions.c.ended_at.is_(None))
            .values(ended_at=now()).returning(sessions.c.username)).first()
        if ended is not None:
            _audit(con, ended.username, "sign_out", ended.username)


# --- the audit log ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    actor: str | None
    action: str
    subject: str | None
    detail: str | None


def audit_entries(limit: int = 200, *, url: str | None = None) -> list[AuditEntry]:
    """The latest entries, newest first."""
    with engine(url).connect() as con:
        rows = con.execute(sa.select(audit_log.c.at, audit_log.c.actor, audit_log.c.action, audit_log.c.subject,
                                     audit_log.c.detail).order_by(audit_log.c.id.desc()).limit(limit))
        return [AuditEntry(*row) for row in rows]


# --- submissions -----------------------------------------------------------------------------------
WAITING, LOADED, REJECTED = "waiting", "loaded", "rejected"


@dataclass(frozen=True)
class Submission:
    id: int
    username: str
    submitted_at: dt.datetime
    kind: str
    file_name: str  # as the submitter named it (or the form's name)
    stored_as: str | None  # its name in the landing folder, as the warehouse names it
    sha256: str
    size_bytes: int | None
    rows_read: int | None
    rows_loaded: int | None
    rows_quarantined: int | None
    status: str
    build_id: str | None
    message: str | None
    updated_at: dt.datetime


def record_submission(username: str, kind: str, file_name: str, stored_as: str, sha256: str, size_bytes: int,
                      rows_read: int, rows_loaded: int, rows_quarantined: int, *,
                      url: str | None = None) -> Submission:
    """A file written into the landing folder by the Submit page: waiting for a build, with the preview's
    counts (the build's own replace them once it has loaded the file)."""
    at = now()
    with _transaction(url) as con:
        new_id = con.execute(submissions.insert().values(
            username=username, submitted_at=at, kind=kind, file_name=file_name[:255], stored_as=stored_as,
            sha256=sha256, size_bytes=size_bytes, rows_read=rows_read, rows_loaded=rows_loaded,
            rows_quarantined=rows_quarantined, status=WAITING, build_id=None, message=None, updated_at=at,
        ).returning(submissions.c.id)).scalar_one()
        _audit(con, username, "submitted", username, f"{kind} {stored_as} sha256 {sha256}")
        row = con.execute(sa.select(submissions).where(submissions.c.id == new_id)).one()
    return Submission(**row._mapping)


def list_submissions(username: str | None = None, *, limit: int = 200, url: str | None = None) -> list[Submission]:
    """One account's submissions (all of them with no username: the data staff's queue), newest first."""
    query = sa.select(submissions).order_by(submissions.c.id.desc()).limit(limit)
    if username is not None:
        query = query.where(submissions.c.username == username)
    with engine(url).connect() as con:
        return [Submission(**row._mapping) for row in con.execute(query)]


def settle_submission(submission_id: int, status: str, build_id: str | None, message: str | None,
                      counts: tuple[int, int, int] | None = None, *, url: str | None = None) -> None:
    """What the published build made of a waiting submission: loaded (with the build's counts) or rejected."""
    values = {"status": status, "build_id": build_id, "message": message, "updated_at": now()}
    if counts is not None:
        values.update(rows_read=counts[0], rows_loaded=counts[1], rows_quarantined=counts[2])
    with _transaction(url) as con:
        con.execute(submissions.update().where(submissions.c.id == submission_id).values(**values))
