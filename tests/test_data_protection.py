"""The pseudonymisation key of real builds: recorded by its fingerprint, and never changed by accident (another
key, a lost key file, a weak key) — only by `portal build --rekey`; and the bytes of deleted files' rows never
published (warehouse/publication.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.build import run_build
from sources import settings
from sources.pseudonymise import key_fingerprint
from tests.conftest import csv_bytes, materialize_all
from tests.test_build import portal as cli
from tests.test_build import small_landing
from tests.test_incremental import Landing
from tests.test_rules import GOOD_SURVEY, SURVEY_HEADER, with_value
from warehouse import publication

ROOT = Path(__file__).resolve().parent.parent
ANOTHER_KEY = "another pseudonymisation key"


@pytest.fixture
def landing(tmp_path, monkeypatch) -> Landing:
    return Landing(tmp_path, monkeypatch)


def student_keys(landing: Landing) -> list:
    return landing.rows("SELECT student_key FROM raw.placements ORDER BY source_row")


def untouched(warehouse: Path):
    """What changes when anything publishes over `warehouse` or writes into it."""
    return publication.identity(warehouse), warehouse.read_bytes()


def test_another_key_is_refused_and_the_warehouse_left_alone_until_rekey(landing, monkeypatch):
    landing.build()
    keys_before = student_keys(landing)
    [(recorded,)] = landing.rows("SELECT key_fingerprint FROM audit.build")
    assert recorded == key_fingerprint(b"incremental test key")
    before = untouched(landing.warehouse)

    monkeypatch.setenv("PORTAL_SECRET", ANOTHER_KEY)
    refused = run_build()
    assert not refused.published
    assert f"(fingerprint {key_fingerprint(ANOTHER_KEY.encode())}) is not the key" in refused.failure
    assert f"was built with (fingerprint {recorded})" in refused.failure
    assert "portal build --rekey" in refused.failure and "new pseudonym" in refused.failure
    assert untouched(landing.warehouse) == before

    rekeyed = run_build(rekey=True)
    assert rekeyed.published, rekeyed.failure
    assert {change for change, *_ in landing.log().values()} == {"reloaded"}
    keys_after = student_keys(landing)
    assert len(keys_after) == len(keys_before) and set(keys_after).isdisjoint(keys_before)
    assert landing.rows("SELECT key_fingerprint FROM audit.build") == [(key_fingerprint(ANOTHER_KEY.encode()),)]
    # the new key is now the warehouse's: the next build needs no --rekey, and changes nothing
    landing.build()
    assert student_keys(landing) == keys_after


def test_a_lost_key_file_is_not_made_anew_while_a_warehouse_exists(landing, tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SECRET")
    key_file = tmp_path / "config" / "hmac.key"
    monkeypatch.setenv("PORTAL_SECRET_FILE", str(key_file))
    landing.build()  # the first build makes the key file
    assert key_file.exists()
    [(recorded,)] = landing.rows("SELECT key_fingerprint FROM audit.build")
    keys_before = student_keys(landing)
    before = untouched(landing.warehouse)

    key_file.unlink()  # e.g. a new server, or a wiped home folder
    refused = run_build()
    assert not refused.published
    assert f"key file {key_file} is missing" in refused.failure
    assert f"built with the key of fingerprint {recorded}" in refused.failure
    assert "restore that key file" in refused.failure and "portal build --rekey" in refused.failure
    assert not key_file.exists()
    assert untouched(landing.warehouse) == before

    assert run_build(rekey=True).published  # makes a new key file: every pseudonym changes
    assert key_file.exists()
    assert set(student_keys(landing)).isdisjoint(keys_before)


def test_a_weak_key_builds_nothing(landing, monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET", "k")
    refused = run_build()
    assert not refused.published and not landing.warehouse.exists()
    assert "too weak" in refused.failure and "secrets.token_hex(32)" in refused.failure


def test_a_run_the_ui_or_the_sensor_launches_is_refused_too_unless_tagged_to_rekey(landing, monkeypatch):
    landing.build()
    before = untouched(landing.warehouse)
    monkeypatch.setenv("PORTAL_SECRET", ANOTHER_KEY)
    result = materialize_all()  # as `dg dev` (or a run the sensor requests) runs the assets
    assert not result.success
    errors = [str(e.event_specific_data.error) for e in result.all_events
              if getattr(e.event_specific_data, "error", None) is not None]
    assert any("is not the key the published warehouse" in e and "--rekey" in e for e in errors), errors
    assert untouched(landing.warehouse) == before


def test_portal_build_refuses_another_key_in_one_line_and_rekey_says_what_changed(tmp_path):
    cli_env = {**os.environ, "PORTAL_SECRET": "cli test pseudonymisation key",
               "DAGSTER_HOME": str(tmp_path / "dagster_home")}
    landing = small_landing(tmp_path)
    warehouse = tmp_path / "out" / "portal.duckdb"
    paths = ("--landing", str(landing), "--warehouse", str(warehouse))
    assert cli("build", *paths, env=cli_env).returncode == 0
    before = untouched(warehouse)
    other = {**cli_env, "PORTAL_SECRET": ANOTHER_KEY}
    old, new = key_fingerprint(cli_env["PORTAL_SECRET"].encode()), key_fingerprint(ANOTHER_KEY.encode())

    refused = cli("build", *paths, env=other)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.splitlines() == [
        f"NOT published: the pseudonymisation key in PORTAL_SECRET (fingerprint {new}) is not the key the published "
        f"warehouse {warehouse} was built with (fingerprint {old}): use that key (PORTAL_SECRET or the key file "
        f"{settings.secret_file()}), or run `portal build --rekey` to build with a new key, which gives every "
        f"student a new pseudonym (every file is read again); nothing was built; {warehouse} is unchanged"]
    assert untouched(warehouse) == before

    rekeyed = cli("build", *paths, "--rekey", env=other)
    assert rekeyed.returncode == 0, rekeyed.stderr
    assert rekeyed.stdout.splitlines()[-1] == (
        f"--rekey: pseudonymisation key fingerprint {old} → {new}: every student has a new pseudonym")
    assert f"pseudonymisation key: fingerprint {new}" in cli("status", "--warehouse", str(warehouse), env=other).stdout


# --- deleted files' bytes ----------------------------------------------------------------------------------
#: a position name no other bytes of a warehouse hold, long enough to be stored as its plain UTF-8
MARKER = "MARKER-7f3a9c-岗位-of-a-survey-file-that-was-deleted"


def files_holding_marker(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()
                  and MARKER.encode() in p.read_bytes())


@pytest.mark.parametrize("how", ["deleted", "edited"])
def test_a_deleted_files_rows_leave_no_bytes_in_the_publication(landing, monkeypatch, how):
    marked = with_value(with_value(GOOD_SURVEY, 6, MARKER), 1, "91210100MA0AB1C02X")
    landing.write("survey/marked.csv", csv_bytes(SURVEY_HEADER, [marked]))
    landing.build()
    folder = landing.warehouse.parent
    assert files_holding_marker(folder) == ["portal.duckdb"]  # so that the test can fail
    assert landing.rows("SELECT written_fresh FROM audit.build") == [(False,)]  # a first build has no old rows

    if how == "deleted":
        (landing.dir / "survey" / "marked.csv").unlink()
    else:  # the office took the position out of its file and saved it again
        landing.write("survey/marked.csv", csv_bytes(SURVEY_HEADER, [with_value(marked, 6, "Java开发")]))
    landing.build()
    # the publication does not hold it, not even in its free blocks; the previous one still does
    assert files_holding_marker(folder) == ["portal.previous.duckdb"]
    assert landing.rows("SELECT written_fresh FROM audit.build") == [(True,)]

    # a build that removes nothing is published as its copy (no cost), and holds no more of it
    landing.write("survey/later.csv", csv_bytes(SURVEY_HEADER, [with_value(GOOD_SURVEY, 1, "91210100MA0AB1C03X")]))
    landing.build()
    assert landing.rows("SELECT written_fresh FROM audit.build") == [(False,)]
    assert files_holding_marker(folder) == []


def portal(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], capture_output=True, text=True,
                          env=dict(os.environ), cwd=ROOT, timeout=300)


def test_the_previous_publication_goes_after_its_retention_or_when_purged(landing, monkeypatch):
    marked = with_value(with_value(GOOD_SURVEY, 6, MARKER), 1, "91210100MA0AB1C02X")
    landing.write("survey/marked.csv", csv_bytes(SURVEY_HEADER, [marked]))
    landing.build()
    (landing.dir / "survey" / "marked.csv").unlink()
    landing.build()
    folder = landing.warehouse.parent
    previous = publication.previous_path(landing.warehouse)
    assert files_holding_marker(folder) == [previous.name]

    # kept for a rollback within the retention ...
    status = portal("status", "--warehouse", str(landing.warehouse))
    assert "PORTAL_PREVIOUS_RETENTION_DAYS" in status.stdout and "file: written fresh" in status.stdout
    # ... and deleted at the first rollback (or build) after it
    eight_days_ago = time.time() - 8 * 86400
    os.utime(previous, (eight_days_ago, eight_days_ago))
    rolled = portal("rollback", "--warehouse", str(landing.warehouse))
    assert rolled.returncode == 1
    assert f"deleted the previous publication {previous}: replaced more than 7 days ago" in rolled.stderr
    assert "nothing rolled back" in rolled.stderr
    assert files_holding_marker(folder) == []

    # a data-protection request cannot wait for the retention: purge-previous
    landing.write("survey/marked.csv", csv_bytes(SURVEY_HEADER, [marked]))
    landing.build()
    (landing.dir / "survey" / "marked.csv").unlink()
    landing.build()
    assert files_holding_marker(folder) == [previous.name]
    purged = portal("purge-previous", "--warehouse", str(landing.warehouse))
    assert purged.returncode == 0 and f"deleted {previous} (the previous publication: build " in purged.stdout
    assert files_holding_marker(folder) == []
    rolled = portal("rollback", "--warehouse", str(landing.warehouse))
    assert rolled.returncode == 1 and "nothing rolled back: no previous publication to restore" in rolled.stderr
