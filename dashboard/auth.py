"""Signing in to the dashboard: who is looking, the sign-in form, the cookie that keeps a sign-in across page
refreshes, and which pages each viewer may open (DESIGN.md "Portal state"; accounts in portal_state.py).

How a sign-in survives a refresh, in Streamlit 1.67: a refresh opens a new Streamlit session, and the only thing
the browser brings to it is its cookies, which the server reads from the WebSocket's opening request
(`st.context.cookies`, read-only). So on sign-in the server starts a session in the state database and sends
the browser a small script (`st.html` with JavaScript allowed) that stores the session's signed token in a
cookie: SameSite=Strict, Secure over HTTPS, expiring with the session. The token is never in a URL. Each run
checks the token against the database, so signing out, disabling the account or the session running out takes
effect on the next click. The cookie cannot be HttpOnly (a script sets it); the dashboard shows no HTML from
its data, and a stolen token still dies with sign-out (docs/deploy.md).
"""

from __future__ import annotations

import datetime as dt
import json

import streamlit as st

from dashboard import labels as L
from dashboard import portal_state, settings
from dashboard.access import Access
from dashboard.portal_state import ANONYMOUS, Viewer

COOKIE = "portal_session"
#: session-state keys no widget owns
VIEWER_KEY, TOKEN_KEY, COOKIE_SCRIPT_KEY, MESSAGE_KEY = "auth_viewer", "auth_token", "auth_cookie", "auth_message"

#: pages anyone signed in may open (and a deployment may open to everyone, PORTAL_PUBLIC_PAGES)
SHARED_PAGES = ("overview", "majors", "industries", "internships", "pairings", "scorecard", "skills")
#: pages for the data staff only: never public, not even listed for anyone else
STAFF_PAGES = ("data", "admin")
#: the page where data is handed in: for universities, enterprises and the data staff only, never public
SUBMIT_PAGE = "submit"
SUBMITTING_ROLES = (portal_state.UNIVERSITY, portal_state.ENTERPRISE, portal_state.DATA_STAFF)


def page_key(url_path: str | None) -> str:
    """The page's name in PORTAL_PUBLIC_PAGES: its URL path, `overview` for the root."""
    return url_path or "overview"


def public_pages() -> frozenset[str]:
    """The pages open without signing in (PORTAL_PUBLIC_PAGES); names that are not shared pages are ignored,
    so no setting can open the data or account pages."""
    value = settings.public_pages().strip().lower()
    if value == "all":
        return frozenset(SHARED_PAGES)
    return frozenset(name.strip() for name in value.split(",")) & frozenset(SHARED_PAGES)


def listed(viewer: Viewer, page: str) -> bool:
    """Whether the navigation shows the page to this viewer (a shared page not open to them says why)."""
    if page == SUBMIT_PAGE:
        return viewer.role in SUBMITTING_ROLES
    return viewer.is_staff if page in STAFF_PAGES else True


def may_open(viewer: Viewer, page: str) -> bool:
    if page == SUBMIT_PAGE:
        return viewer.role in SUBMITTING_ROLES
    if page in STAFF_PAGES:
        return viewer.is_staff
    return viewer.signed_in or page in public_pages()


# --- who is looking ---------------------------------------------------------------------------------
def _cookie_token() -> str | None:
    try:
        return st.context.cookies.get(COOKIE)
    except Exception:  # no browser behind this run (a bare script run)
        return None


def _cookie_script(token: str | None, expires_at: dt.datetime | None) -> str:
    """JavaScript that stores (or, with no token, deletes) the session cookie in the browser."""
    if token is None:
        value, expiry = "", "Thu, 01 Jan 1970 00:00:00 GMT"
    else:
        value, expiry = token, expires_at.astimezone(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    cookie = json.dumps(f"{COOKIE}={value}; Path=/; Expires={expiry}; SameSite=Strict")
    return ("<script>document.cookie = " + cookie
            + " + (window.location.protocol === 'https:' ? '; Secure' : '');</script>")


def current_viewer() -> Viewer:
    """The viewer of this run, from this session's sign-in or else the browser's cookie, checked against the
    state database every run. Kept for the pages in session state under a key no widget owns (`viewer()`)."""
    viewer = ANONYMOUS
    token = st.session_state.get(TOKEN_KEY) or _cookie_token()
    if token:
        try:
            found = portal_state.viewer_of_session(token)
        except Exception as error:  # the state database cannot be reached: nobody is signed in meanwhile
            st.session_state[MESSAGE_KEY] = ("error", L.t("sign_in_unavailable", error=type(error).__name__))
            found = None
        if found is not None:
            viewer = found
            st.session_state[TOKEN_KEY] = token
        elif TOKEN_KEY in st.session_state or COOKIE_SCRIPT_KEY not in st.session_state:
            # ended, run out or forged: forget it here and in the browser
            st.session_state.pop(TOKEN_KEY, None)
            st.session_state[COOKIE_SCRIPT_KEY] = _cookie_script(None, None)
    st.session_state[VIEWER_KEY] = viewer
    return viewer


def viewer() -> Viewer:
    """Who is looking, for a page: set by the entry point at the start of every run (never from a widget)."""
    found = st.session_state.get(VIEWER_KEY)
    return found if isinstance(found, Viewer) else ANONYMOUS


def access() -> Access:
    """What this run's viewer may read: the scope every query of the page is given (access.py)."""
    return Access.of(viewer())


def staff_still_signed_in() -> str | None:
    """For a callback that changes accounts: the data staff member whose session this is, checked again now
    (callbacks run before the entry point checks the viewer, so the last run's viewer may be out of date)."""
    found = portal_state.viewer_of_session(st.session_state.get(TOKEN_KEY))
    return found.username if found is not None and found.is_staff else None


# --- the sidebar: sign in, sign out ------------------------------------------------------------------
def _client() -> str:
    try:
        address = st.context.ip_address
    except Exception:
        address = None
    return address or ""


def _sign_in() -> None:
    username = st.session_state.get("w_sign_in_user", "")
    password = st.session_state.get("w_sign_in_password", "")
    st.session_state["w_sign_in_password"] = ""  # never kept after the attempt
    try:
        result = portal_state.authenticate(username, password, source=_client())
        if result.outcome == "ok":
            session = portal_state.start_session(result.viewer)
    except Exception as error:
        st.session_state[MESSAGE_KEY] = ("error", L.t("sign_in_unavailable", error=type(error).__name__))
        return
    if result.outcome == "ok":
        st.session_state[TOKEN_KEY] = session.token
        st.session_state[COOKIE_SCRIPT_KEY] = _cookie_script(session.token, session.expires_at)
        st.session_state["w_sign_in_user"] = ""
    else:
        # one answer to every refusal (portal_state.SignIn): the reason is in the audit log, not on the page
        st.session_state[MESSAGE_KEY] = ("error", L.t("sign_in_refused", attempts=settings.SIGN_IN_ATTEMPTS,
                                                      minutes=settings.LOCKOUT_MINUTES))


def _sign_out() -> None:
    token = st.session_state.pop(TOKEN_KEY, None) or _cookie_token()
    try:
        portal_state.end_session(token)
    finally:
        st.session_state[COOKIE_SCRIPT_KEY] = _cookie_script(None, None)
        st.session_state[MESSAGE_KEY] = ("info", L.t("signed_out"))


def role_label(role: str | None) -> str:
    return L.t(f"role_{role}") if role in portal_state.ROLES else ""


def sidebar(viewer: Viewer) -> None:
    """Who is signed in and a sign-out button, or the sign-in form; then any message of the last attempt."""
    if viewer.signed_in:
        st.sidebar.caption(L.t("signed_in_as", name=L.plain(viewer.display_name or viewer.username),
                               role=role_label(viewer.role),
                               scope=L.plain(portal_state.scope_label(viewer.role, viewer.scope, L.is_en()))))
        st.sidebar.button(L.t("sign_out"), key="w_sign_out", on_click=_sign_out)
    else:
        with st.sidebar.form("sign_in", enter_to_submit=True):
            st.text_input(L.t("username"), key="w_sign_in_user", autocomplete="username")
            st.text_input(L.t("password"), key="w_sign_in_password", type="password",
                          autocomplete="current-password")
            st.form_submit_button(L.t("sign_in"), key="w_sign_in", on_click=_sign_in)
    message = st.session_state.pop(MESSAGE_KEY, None)
    if message:
        (st.sidebar.error if message[0] == "error" else st.sidebar.info)(message[1])
    script = st.session_state.get(COOKIE_SCRIPT_KEY)
    if script:
        # the same script on every run: the browser runs it once (again only if it changes)
        st.sidebar.html(script, unsafe_allow_javascript=True, width="content")


def sign_in_required_page(title: str) -> None:
    st.title(title)
    st.info(L.t("sign_in_required"))


def refused_page(viewer: Viewer, page: str, title: str) -> None:
    """What a viewer gets at the address of a page it may not open: who may open it (a shared page: anyone
    signed in), nothing of the page itself."""
    if page not in STAFF_PAGES and page != SUBMIT_PAGE:
        sign_in_required_page(title)
        return
    # a heading of its own, not the page's name: nothing on screen may read as if the page had opened
    st.title(L.t("page_refused_title") if viewer.signed_in else L.t("sign_in_required_title"))
    st.warning(L.t("staff_only") if page in STAFF_PAGES else L.t("submit_not_for_you"))
    if viewer.signed_in:
        st.info(L.t("signed_in_needs_other", role=role_label(viewer.role)))
    else:
        st.info(L.t("sign_in_required"))
