"""A real PostgreSQL server for the tests and benchmarks that need one: started from the Debian package's
binaries (`apt-get install postgresql`; .ci/run installs it) in a temporary data folder on a free port, with
an empty `dagster` database, and stopped and removed afterwards.

    with running_postgres() as server:   # None when the binaries are not installed
        ...
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Postgres:
    host: str
    port: int
    user: str
    database: str

    def query(self, sql: str) -> list[tuple]:
        import psycopg2

        with psycopg2.connect(host=self.host, port=self.port, user=self.user, dbname=self.database) as conn:
            with conn.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall()

    def dagster_env(self) -> dict[str, str]:
        """The variables deploy/dagster.yaml reads."""
        return {"DAGSTER_PG_HOST": self.host, "DAGSTER_PG_PORT": str(self.port), "DAGSTER_PG_USERNAME": self.user,
                "DAGSTER_PG_PASSWORD": "", "DAGSTER_PG_DB": self.database}


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_postgres(fsync: bool = False) -> Iterator[Postgres | None]:
    """A server with an empty `dagster` database, or None without the binaries. `fsync=False` (tests) trades
    durability for speed; benchmarks keep PostgreSQL's default."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        yield None
        return
    # PostgreSQL refuses to run as root: as root, the server runs as the package's `postgres` user
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="portal-pg-"))
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(root, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", _free_port()

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=120)

    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "portal", "--auth=trust", "-E", "UTF8", "--no-sync")
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1" + ("" if fsync else " -c fsync=off")
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60", "-o", options,
        "start")
    try:
        server = Postgres("127.0.0.1", port, "portal", "postgres")
        deadline = time.monotonic() + 30
        while True:
            try:
                server.query("SELECT 1")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        import psycopg2

        conn = psycopg2.connect(host=server.host, port=port, user="portal", dbname="postgres")
        conn.autocommit = True
        conn.cursor().execute("CREATE DATABASE dagster")
        conn.close()
        yield Postgres("127.0.0.1", port, "portal", "dagster")
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)
