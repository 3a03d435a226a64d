"""`portal users …` and `portal demo-accounts`: the portal's accounts from the command line, the same functions
as the dashboard's account page (dashboard/portal_state.py). A password never goes on the command line (where
`ps` and the shell's history would show it): it is typed at a prompt, read from standard input, or generated
and printed once.

    portal users add USERNAME --role ROLE [--scope S] [--name N] [--password-stdin | --generate-password]
    portal users list
    portal users disable USERNAME | enable USERNAME
    portal users reset-password USERNAME [--password-stdin | --generate-password]
    portal demo-accounts [--warehouse FILE]     one account per role, for the demo (make demo)
"""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import os
import sys
import unicodedata
from pathlib import Path

from warehouse import settings

WAREHOUSE_HELP = ("published DuckDB file; the accounts live beside it (default: PORTAL_WAREHOUSE; "
                  "PORTAL_STATE_URL names another state database)")


def _state_url(warehouse: str | Path | None) -> str:
    """The state database: beside `--warehouse` (or PORTAL_WAREHOUSE's) unless PORTAL_STATE_URL names one."""
    from dashboard import settings as dashboard_settings

    return dashboard_settings.portal_state_url(Path(warehouse) if warehouse else None)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (a container)
        return f"cli:uid {os.getuid()}"


def _new_password(args: argparse.Namespace, username: str) -> tuple[str, bool]:
    """(password, whether it was generated and so must be shown once)."""
    from dashboard import portal_state

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif args.generate_password:
        return portal_state.generate_password(), True
    elif sys.stdin.isatty():
        password = getpass.getpass(f"password for {username}: ")
        if getpass.getpass("the same again: ") != password:
            raise SystemExit("the two passwords differ; nothing changed")
    else:
        raise SystemExit("no terminal to type a password at: pass --password-stdin (and the password on "
                         "standard input) or --generate-password")
    portal_state.check_password_rule(password)
    return password, False


def _scope_text(role: str, scope: str | None) -> str:
    from dashboard import portal_state

    return portal_state.scope_label(role, scope, english=portal_state.DATA_STAFF == role)


def cmd_users_add(args: argparse.Namespace) -> int:
    from dashboard import portal_state

    url = _state_url(args.warehouse)
    try:
        username = portal_state.normalise_username(args.username)
        portal_state.normalise_scope(args.role, args.scope)  # refuse a bad scope before asking for a password
        password, generated = _new_password(args, username)
        account = portal_state.add_account(username, args.role, args.scope, password, args.name or "",
                                           actor=_actor(), url=url)
    except portal_state.AccountError as err:
        print(f"not added: {err}", file=sys.stderr)
        return 2
    print(f"added {account.username} ({account.role}: {_scope_text(account.role, account.scope)}) "
          f"in {portal_state.describe_url(url)}")
    if generated:
        print(f"password (shown once, hand it over in person): {password}")
    return 0


def _width(text: str) -> int:
    """Columns a terminal gives the text: two for each Chinese character."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def cmd_users_list(args: argparse.Namespace) -> int:
    from dashboard import portal_state

    url = _state_url(args.warehouse)
    accounts = portal_state.list_accounts(url=url)
    if not accounts:
        print(f"no accounts in {portal_state.describe_url(url)}: add one with "
              "`portal users add NAME --role data_staff`")
        return 0
    at = portal_state.now()
    rows = [("user", "name", "role", "scope", "state", "updated")]
    for a in accounts:
        state = "disabled" if a.disabled else (
            f"locked until {a.locked_until:%Y-%m-%d %H:%M} UTC" if a.locked(at) else "active")
        rows.append((a.username, a.display_name, a.role, _scope_text(a.role, a.scope), state,
                     f"{a.updated_at:%Y-%m-%d %H:%M} UTC"))
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(row, widths)).rstrip())
    return 0


def _set_disabled(args: argparse.Namespace, disabled: bool) -> int:
    from dashboard import portal_state

    url = _state_url(args.warehouse)
    try:
        account = portal_state.set_disabled(args.username, disabled, actor=_actor(), url=url)
    except portal_state.AccountError as err:
        print(err, file=sys.stderr)
        return 2
    print(f"{account.username} is {'disabled: it can no longer sign in, and is signed out' if disabled else 'enabled'}")
    return 0


def cmd_users_disable(args: argparse.Namespace) -> int:
    return _set_disabled(args, True)


def cmd_users_enable(args: argparse.Namespace) -> int:
    return _set_disabled(args, False)


def cmd_users_reset_password(args: argparse.Namespace) -> int:
    from dashboard import portal_state

    url = _state_url(args.warehouse)
    try:
        account = portal_state.get_account(args.username, url=url)
        password, generated = _new_password(args, account.username)
        portal_state.reset_password(account.username, password, actor=_actor(), url=url)
    except portal_state.AccountError as err:
        print(f"not changed: {err}", file=sys.stderr)
        return 2
    print(f"new password set for {account.username}; its lock is lifted and its sessions are ended")
    if generated:
        print(f"password (shown once, hand it over in person): {password}")
    return 0


# --- demo accounts ---------------------------------------------------------------------------------
DEMO_PREFIX = "demo-"


def _demo_scopes(warehouse: Path) -> dict[str, str] | None:
    """A real university and enterprise of the built demo: those with the most internship placements."""
    from warehouse import connection

    try:
        with connection.reader(warehouse) as con:
            [(university,)] = con.execute(
                "SELECT university_code FROM facts.placements GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 1"
            ).fetchall()
            [(enterprise, enterprise_name)] = con.execute(
                "SELECT p.enterprise_id, any_value(e.enterprise_name) FROM facts.placements AS p "
                "LEFT JOIN dims.enterprise AS e USING (enterprise_id) WHERE p.enterprise_id IS NOT NULL "
                "GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 1").fetchall()
    except Exception as err:  # no warehouse, or one built from no placements
        print(f"cannot pick a demo university and enterprise from {warehouse}: {err}", file=sys.stderr)
        return None
    return {"education": "辽宁省", "university": university, "enterprise": enterprise, "data_staff": "",
            "enterprise_name": enterprise_name or enterprise}


def cmd_demo_accounts(args: argparse.Namespace) -> int:
    """One account per role for the demo, each with a new generated password printed once. Run again, it makes
    no second account: it gives the existing ones new passwords (the old ones were never stored in clear)."""
    from dashboard import portal_state

    warehouse = Path(args.warehouse).resolve() if args.warehouse else settings.warehouse_path().resolve()
    url = _state_url(str(warehouse))
    scopes = _demo_scopes(warehouse)
    if scopes is None:
        print("run `portal build` on the demo files first (make demo does)", file=sys.stderr)
        return 2
    names = {
        "education": ("demo-education", "演示：辽宁省教育厅"),
        "university": ("demo-university", f"演示：{portal_state.university_names()[scopes['university']]}"),
        "enterprise": ("demo-enterprise", f"演示：{scopes['enterprise_name']}"),
        "data_staff": ("demo-staff", "演示：数据管理员"),
    }
    existing = {a.username: a for a in portal_state.list_accounts(url=url)}
    lines = []
    for role, (username, display) in names.items():
        password = portal_state.generate_password()
        if username in existing:
            portal_state.reset_password(username, password, actor=_actor(), url=url)
            if existing[username].disabled:
                portal_state.set_disabled(username, False, actor=_actor(), url=url)
        else:
            portal_state.add_account(username, role, scopes[role] or None, password, display, actor=_actor(), url=url)
        lines.append((username, role, _scope_text(role, scopes[role] or None), password))
    print("=" * 78)
    print("DEMO ACCOUNTS: for trying the portal on this machine, not for real users. New passwords are")
    print("generated on every run and shown only here. Before sharing the portal, disable them:")
    print("`portal users disable demo-staff` (and the others); add real ones with `portal users add`.")
    width = max(len(username) for username, *_ in lines)
    for username, role, scope, password in lines:
        print(f"  {username.ljust(width)}  password {password}  ({role}: {scope})")
    print(f"(state database: {portal_state.describe_url(url)})")
    print("=" * 78)
    return 0


# --- guarding a server that others can reach -------------------------------------------------------
def is_loopback(address: str) -> bool:
    if address.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:  # a host name: assume others can reach it
        return False


def refusal_to_serve(address: str, public: bool) -> str | None:
    """Why the dashboard must not listen on `address`, or None: on a non-loopback address it needs at least one
    account that can sign in, unless the operator says `--public` (only the public pages are shown then)."""
    if public or is_loopback(address):
        return None
    from dashboard import portal_state

    url = _state_url(None)
    if portal_state.active_account_count(url=url) > 0:
        return None
    return (f"not serving on {address}: there is no account yet ({portal_state.describe_url(url)}), so nobody "
            "could sign in. Add one first:\n"
            "    portal users add NAME --role data_staff --name 'Your name'\n"
            "or pass --public to serve only the public pages (PORTAL_PUBLIC_PAGES) to anyone who can reach it.")


def add_parsers(sub) -> None:
    """The subcommands of this module, added to `portal`'s parser."""
    users = sub.add_parser("users", help="the portal's accounts: add, list, disable, enable, reset-password")
    users_sub = users.add_subparsers(dest="users_command", required=True)

    def with_warehouse(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser.add_argument("--warehouse", help=WAREHOUSE_HELP)
        return parser

    def with_password(parser: argparse.ArgumentParser) -> None:
        given = parser.add_mutually_exclusive_group()
        given.add_argument("--password-stdin", action="store_true",
                           help="read the password from the first line of standard input")
        given.add_argument("--generate-password", action="store_true",
                           help="generate a password and print it once")

    add = with_warehouse(users_sub.add_parser("add", help="add an account (the password is asked for)"))
    add.add_argument("username")
    add.add_argument("--role", required=True, help="education, university, enterprise or data_staff")
    add.add_argument("--scope", help="education: a province (辽宁省) or northeast; university: its code; "
                                     "enterprise: its unified social credit code; data_staff: none")
    add.add_argument("--name", help="the name shown for the account (default: the user name)")
    with_password(add)
    add.set_defaults(func=cmd_users_add)

    with_warehouse(users_sub.add_parser("list", help="every account, its role, scope and state")).set_defaults(
        func=cmd_users_list)
    for name, func, text in (("disable", cmd_users_disable, "stop an account signing in (and sign it out)"),
                             ("enable", cmd_users_enable, "let a disabled account sign in again")):
        parser = with_warehouse(users_sub.add_parser(name, help=text))
        parser.add_argument("username")
        parser.set_defaults(func=func)
    reset = with_warehouse(users_sub.add_parser("reset-password", help="set a new password; lifts a lock"))
    reset.add_argument("username")
    with_password(reset)
    reset.set_defaults(func=cmd_users_reset_password)

    demo = with_warehouse(sub.add_parser(
        "demo-accounts", help="one DEMO account per role, with new passwords printed once (make demo)"))
    demo.set_defaults(func=cmd_demo_accounts)
