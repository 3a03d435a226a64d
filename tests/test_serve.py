"""`portal serve` (what `make demo` ends with): the dashboard and the Dagster UI answer on their ports, Ctrl-C
stops both and leaves no process behind, and one server failing stops the other."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sources import settings

START_SECONDS = 150  # dg dev loads the code location in a subprocess; slow on 2 busy cores
STOP_SECONDS = 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own local server)
            return response.status == 200
    except OSError:
        return False


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, start time) for every process we can see, from /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # the command name may hold spaces and parentheses
        table[int(entry.name)] = (int(fields[1]), fields[19])
    return table


def descendants(pid: int) -> set[tuple[int, str]]:
    """(pid, start time) of every process below `pid`; the start time tells a reused pid from the original."""
    table = _process_table()
    found, frontier = set(), [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, started) in table.items():
            if ppid == parent and (child, started) not in found:
                found.add((child, started))
                frontier.append(child)
    return found


def still_running(processes: set[tuple[int, str]]) -> set[tuple[int, str]]:
    table = _process_table()
    return {(pid, started) for pid, started in processes if table.get(pid, (None, None))[1] == started}


def start_serve(tmp_path: Path, dashboard_port: int, ui_port: int) -> tuple[subprocess.Popen, Path]:
    landing = tmp_path / "landing"
    landing.mkdir()
    log = tmp_path / "serve.log"
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home")}  # not the developer's instance
    portal = Path(sys.executable).with_name("portal")
    with log.open("w", encoding="utf-8") as out:
        # its own session, as a terminal's foreground job is: Ctrl-C is a SIGINT to that group
        process = subprocess.Popen(
            [str(portal), "serve", "--dashboard-port", str(dashboard_port), "--ui-port", str(ui_port),
             "--landing", str(landing), "--warehouse", str(tmp_path / "portal.duckdb")],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            cwd=settings.REPO_ROOT, start_new_session=True,
        )
    return process, log


def wait_for(condition, seconds: float, process: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            pytest.fail(f"portal serve exited ({process.returncode}) before {what}:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    pytest.fail(f"no {what} after {seconds} s:\n{log.read_text()[-3000:]}")


def kill_leftovers(process: subprocess.Popen, family: set[tuple[int, str]]) -> None:
    """After a failed assertion, do not leave servers running for the rest of the session."""
    for pid, _ in still_running(family):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if process.poll() is None:
        process.kill()
        process.wait()


def test_ctrl_c_stops_the_dashboard_and_the_dagster_ui(tmp_path):
    dashboard_port, ui_port = free_port(), free_port()
    process, log = start_serve(tmp_path, dashboard_port, ui_port)
    family: set[tuple[int, str]] = set()
    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{dashboard_port}/_stcore/health"), START_SECONDS, process, log,
                 "dashboard on its port")
        wait_for(lambda: answers(f"http://127.0.0.1:{ui_port}/server_info"), START_SECONDS, process, log,
                 "Dagster UI on its port")
        family = descendants(process.pid)
        assert len(family) >= 2, f"expected the two servers below portal serve, found {family}"

        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        assert process.wait(timeout=STOP_SECONDS) == 0, log.read_text()[-3000:]

        assert not port_open(dashboard_port), "the dashboard still answers after Ctrl-C"
        assert not port_open(ui_port), "the Dagster UI still answers after Ctrl-C"
        assert not still_running(family), f"processes left after Ctrl-C: {still_running(family)}"
    finally:
        kill_leftovers(process, family)


def test_one_server_failing_stops_the_other(tmp_path):
    """The dashboard's port is taken, so Streamlit cannot start: serve must not leave the Dagster UI running
    alone, and must say it failed."""
    ui_port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        dashboard_port = taken.getsockname()[1]
        process, log = start_serve(tmp_path, dashboard_port, ui_port)
        family: set[tuple[int, str]] = set()
        try:
            deadline = time.monotonic() + START_SECONDS
            while process.poll() is None and time.monotonic() < deadline:
                family |= descendants(process.pid)
                time.sleep(0.2)
            assert process.poll() is not None, "portal serve kept running with its dashboard dead"
            assert process.returncode != 0
            assert "dashboard exited" in log.read_text()
            assert not port_open(ui_port), "the Dagster UI was left running"
            assert not still_running(family), f"processes left behind: {still_running(family)}"
        finally:
            kill_leftovers(process, family)
