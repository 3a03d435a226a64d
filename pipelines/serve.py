"""Running several servers as one command: what `portal serve` (and so `make demo`) does.

Each child gets its own process group, so a Ctrl-C in the terminal reaches only this supervisor, which then
stops every child's whole group (the Dagster UI's webserver, daemon and code server included) and waits for
them. If one child dies on its own, the others are stopped too: a demo with half its servers is not a demo.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

# How long a child group gets to shut down after SIGTERM before it is killed.
GRACE_SECONDS = 15.0


@dataclass(frozen=True)
class Server:
    name: str
    command: Sequence[str]
    url: str


def _signal(pid: int, sig: int, group: bool = False) -> None:
    try:
        (os.killpg if group else os.kill)(pid, sig)
    except ProcessLookupError:
        pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a member we may not signal still counts as alive
        return True
    return True


def _wait_groups(pgids: Sequence[int], deadline: float) -> None:
    while time.monotonic() < deadline and any(_group_alive(pgid) for pgid in pgids):
        time.sleep(0.1)


def stop(processes: Sequence[subprocess.Popen], grace: float = GRACE_SECONDS) -> None:
    """Stop each child, then anything left in its process group.

    SIGTERM goes to each child alone first: `dg dev` takes it as Ctrl-C and shuts down its webserver, daemon
    and code server in order (signalled all at once, its code server restarts instead); Streamlit stops its
    server. Whatever is still in a child's group after that gets SIGTERM, then SIGKILL.
    """
    for process in processes:
        if process.poll() is None:
            _signal(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"portal serve: {process.args[0]} (pid {process.pid}) did not stop in {grace:.0f} s",
                  file=sys.stderr, flush=True)
    pgids = [process.pid for process in processes]  # each child leads its own group
    _wait_groups(pgids, time.monotonic() + 3)  # grandchildren finishing their own shutdown
    for pgid in pgids:
        if _group_alive(pgid):
            _signal(pgid, signal.SIGTERM, group=True)
    _wait_groups(pgids, time.monotonic() + 5)
    for pgid in pgids:
        if _group_alive(pgid):
            _signal(pgid, signal.SIGKILL, group=True)
    for process in processes:
        if process.poll() is None:
            process.wait()


class _Stop(Exception):
    def __init__(self, signum: int):
        self.signum = signum


def serve(servers: Sequence[Server]) -> int:
    """Start every server, block until Ctrl-C / SIGTERM or until one of them exits, then stop them all.

    Returns 0 after a requested stop, else the exit code of the server that died first (1 if it was 0).
    """
    def on_signal(signum, _frame):
        raise _Stop(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    processes: list[subprocess.Popen] = []
    exit_code = 0
    try:
        for server in servers:
            processes.append(subprocess.Popen(list(server.command), start_new_session=True))
            print(f"portal serve: {server.name} at {server.url} (pid {processes[-1].pid})", flush=True)
        print("portal serve: press Ctrl-C to stop all", flush=True)
        while True:
            for server, process in zip(servers, processes):
                code = process.poll()
                if code is not None:
                    print(f"portal serve: {server.name} exited with code {code}; stopping the others",
                          file=sys.stderr, flush=True)
                    exit_code = code or 1
                    raise _Stop(0)
            time.sleep(0.5)
    except _Stop as stopped:
        if stopped.signum:
            print(f"portal serve: {signal.Signals(stopped.signum).name}, stopping", flush=True)
    finally:
        # Whatever ended the loop (a signal, a dead child, an error starting one), stop every child, and
        # ignore further signals meanwhile so that a second Ctrl-C cannot leave orphans behind.
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        stop(processes)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return exit_code
