"""Browser fixtures: the real dashboard server (`portal dashboard`) on the demo warehouse, and Debian's Chromium
driven by Playwright.

Playwright's own browser download cannot run here, so the browser is the system Chromium that
deploy/apt-install.sh installs (`make test` runs it first). Where that Chromium is missing the browser
tests skip and say why; everything else in the suite still runs.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sources import settings

CHROMIUM = Path("/usr/bin/chromium")
# Headless, and nothing that reaches out of this machine: no QUIC, sync, component updates or background fetches.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = settings.REPO_ROOT / "tests" / "artifacts" / "e2e"
SERVER_START_SECONDS = 60


NO_CHROMIUM = (f"no Chromium at {CHROMIUM}: deploy/apt-install.sh (run by `make test`) could not "
               "install it on this machine (it needs root or passwordless sudo, and apt-get); the browser "
               "tests did not run")


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url: str, timeout: float = 2.0) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (our own local server)
        return response.status, response.read().decode("utf-8", "replace")


def wait_until_healthy(url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with code {process.returncode} before it was healthy:\n"
                                 + log.read_text(encoding="utf-8", errors="replace")[-3000:])
        try:
            status, body = http_get(url)
            if status == 200 and body.strip() == "ok":
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"{url} not healthy after {seconds:.0f} s:\n"
                         + log.read_text(encoding="utf-8", errors="replace")[-3000:])


def stop_group(process: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop a server started in its own session, and everything it started."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


#: the data staff account the browser signs in with (every page but the Overview needs a signed-in viewer)
STAFF = ("e2e-staff", "e2e staff password")
#: one account of each other role, scoped as the demo's are (dashboard_server.scopes says to what)
ROLE_ACCOUNTS = {
    "education": ("e2e-education", "e2e education password"),
    "university": ("e2e-university", "e2e university password"),
    "enterprise": ("e2e-enterprise", "e2e enterprise password"),
}


@dataclass
class DashboardServer:
    url: str
    process: subprocess.Popen
    log: Path
    scopes: dict[str, str] = field(default_factory=dict)  # role -> the scope of its ROLE_ACCOUNTS account


def role_scopes(warehouse: Path) -> dict[str, str]:
    """The demo education department's province, the demo university (the most placements), and an
    enterprise with pairing suggestions in the latest year (so its pages show its own rows)."""
    import duckdb

    from pipelines.accounts_cli import _demo_scopes

    scopes = _demo_scopes(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        [(enterprise,)] = con.execute(
            "SELECT enterprise_id FROM marts.pairing_suggestions WHERE year = (SELECT max(year) FROM "
            "marts.pairing_suggestions) AND enterprise_name IS NOT NULL GROUP BY ALL ORDER BY count(*) DESC, 1 "
            "LIMIT 1").fetchall()
    return {"education": scopes["education"], "university": scopes["university"], "enterprise": enterprise}


@pytest.fixture(scope="session")
def dashboard_server(demo_build, tmp_path_factory) -> Iterator[DashboardServer]:
    """`portal dashboard` itself, on a free port, serving the session's demo warehouse, with a state database
    of its own holding the STAFF account and one of each other role (ROLE_ACCOUNTS)."""
    require_chromium()  # no browser, no reason to start a server
    from dashboard import portal_state

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    state_url = f"sqlite:///{tmp_path_factory.mktemp('e2e-state') / 'portal_state.sqlite'}"
    portal_state.add_account(STAFF[0], "data_staff", None, STAFF[1], "E2E staff", actor="test", url=state_url)
    scopes = role_scopes(demo_build.warehouse)
    for role, (username, password) in ROLE_ACCOUNTS.items():
        portal_state.add_account(username, role, scopes[role], password, f"E2E {role}", actor="test", url=state_url)
    port = free_port()
    log = ARTIFACTS / "dashboard-server.log"
    portal = Path(sys.executable).with_name("portal")
    env = {**os.environ, "PORTAL_STATE_URL": state_url,
           "PORTAL_SESSION_SECRET": "browser test session key, long enough"}
    env.pop("PORTAL_PUBLIC_PAGES", None)  # the default: only the Overview without signing in
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [str(portal), "dashboard", "--port", str(port), "--warehouse", str(demo_build.warehouse)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True, env=env,
        )
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/_stcore/health", process, log, SERVER_START_SECONDS)
        yield DashboardServer(f"http://127.0.0.1:{port}", process, log, scopes)
    finally:
        stop_group(process)


@pytest.fixture(scope="session")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
