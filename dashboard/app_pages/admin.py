"""Accounts (账户管理), for the data staff: list, add, disable, enable and reset accounts, the same functions as
`portal users`, and the latest audit log. New passwords are generated and shown once."""

import pandas as pd
import streamlit as st

from dashboard import auth, portal_state
from dashboard import labels as L

viewer = auth.viewer()
if not viewer.is_staff:  # the entry point lists this page for data staff only; this page checks again itself
    st.error(L.t("staff_only"))
    st.stop()

SHOWN_ONCE = "admin_password_once"  # session-state key: (username, password) to show on the next run only
AUDIT_ROWS = 200


def _error(error: portal_state.AccountError) -> str:
    return L.t(f"account_error_{error.code}", **{k: L.plain(v) for k, v in error.values.items()})


def _add() -> None:
    actor = auth.staff_still_signed_in()
    if actor is None:
        return
    password = portal_state.generate_password()
    try:
        account = portal_state.add_account(
            st.session_state.get("w_admin_username", ""), st.session_state.get("w_admin_role", ""),
            st.session_state.get("w_admin_scope", ""), password, st.session_state.get("w_admin_name", ""),
            actor=actor)
    except portal_state.AccountError as error:
        st.session_state["admin_message"] = ("error", _error(error))
        return
    st.session_state["admin_message"] = ("success", L.t("admin_added", username=L.plain(account.username)))
    st.session_state[SHOWN_ONCE] = (account.username, password)
    for key in ("w_admin_username", "w_admin_name", "w_admin_scope"):
        st.session_state[key] = ""


def _change(action: str) -> None:
    username = st.session_state.get("w_admin_account")
    actor = auth.staff_still_signed_in()
    if not username or actor is None:
        return
    try:
        if action == "disable":
            if username == actor:
                st.session_state["admin_message"] = ("error", L.t("admin_not_yourself"))
                return
            portal_state.set_disabled(username, True, actor=actor)
            st.session_state["admin_message"] = ("success", L.t("admin_disabled", username=L.plain(username)))
        elif action == "enable":
            portal_state.set_disabled(username, False, actor=actor)
            st.session_state["admin_message"] = ("success", L.t("admin_enabled", username=L.plain(username)))
        else:
            password = portal_state.generate_password()
            portal_state.reset_password(username, password, actor=actor)
            st.session_state["admin_message"] = ("success", L.t("admin_reset_done", username=L.plain(username)))
            st.session_state[SHOWN_ONCE] = (username, password)
    except portal_state.AccountError as error:
        st.session_state["admin_message"] = ("error", _error(error))


st.title(L.t("page_admin"))
message = st.session_state.pop("admin_message", None)
if message:
    (st.error if message[0] == "error" else st.success)(message[1])
shown_once = st.session_state.pop(SHOWN_ONCE, None)
if shown_once:
    st.markdown(L.t("admin_password_once", username=L.plain(shown_once[0])))
    st.code(shown_once[1], language=None)

accounts = portal_state.list_accounts()
at = portal_state.now()


def _state(account: portal_state.Account) -> str:
    if account.disabled:
        return L.t("state_disabled")
    if account.locked(at):
        return L.t("state_locked", until=L.timestamp(account.locked_until))
    return L.t("state_active")


st.subheader(L.t("admin_accounts"))
st.dataframe(pd.DataFrame({
    L.column("username"): [a.username for a in accounts],
    L.column("display_name"): [a.display_name for a in accounts],
    L.column("role"): [auth.role_label(a.role) for a in accounts],
    L.column("scope"): [portal_state.scope_label(a.role, a.scope, L.is_en()) for a in accounts],
    L.column("account_state"): [_state(a) for a in accounts],
    L.column("updated_at"): [L.timestamp(a.updated_at) for a in accounts],
}), hide_index=True, width="stretch")
st.caption(L.t("admin_cli"))

add, change = st.columns(2)
with add:
    st.subheader(L.t("admin_add"))
    with st.form("admin_add", enter_to_submit=False):
        st.text_input(L.t("username"), key="w_admin_username")
        st.text_input(L.t("admin_display_name"), key="w_admin_name")
        st.selectbox(L.t("admin_role"), portal_state.ROLES, key="w_admin_role", format_func=auth.role_label)
        st.text_input(L.t("admin_scope"), key="w_admin_scope", help=L.t("admin_scope_help"))
        st.form_submit_button(L.t("admin_add_button"), key="w_admin_add", on_click=_add)
with change:
    st.subheader(L.t("admin_change"))
    names = [a.username for a in accounts]
    if names:
        st.selectbox(L.t("admin_account"), names, key="w_admin_account")
        buttons = st.container(horizontal=True)
        buttons.button(L.t("admin_disable"), key="w_admin_disable", on_click=_change, args=("disable",))
        buttons.button(L.t("admin_enable"), key="w_admin_enable", on_click=_change, args=("enable",))
        buttons.button(L.t("admin_reset"), key="w_admin_reset", on_click=_change, args=("reset",))

st.subheader(L.t("admin_audit", n=AUDIT_ROWS))
entries = portal_state.audit_entries(AUDIT_ROWS)
st.dataframe(pd.DataFrame({
    L.column("at"): [L.timestamp(e.at) for e in entries],
    L.column("actor"): [e.actor or "—" for e in entries],
    L.column("action"): [L.t(f"audit_{e.action}") if f"audit_{e.action}" in L.TEXT else e.action for e in entries],
    L.column("subject"): [e.subject or "—" for e in entries],
    L.column("detail"): [e.detail or "" for e in entries],
}), hide_index=True, width="stretch")
