"""The landing folder is the source of truth: real builds after a file is changed, deleted, renamed, copied or
left alone, asserting what the published warehouse then holds and what the load log says about each file."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.build import BuildOutcome, run_build
from sources.loading import SETTLED_NS
from tests.conftest import csv_bytes
from tests.test_build import all_tables
from tests.test_rules import (
    BASES_HEADER,
    CATALOGUE_HEADER,
    GOOD_BASE,
    GOOD_CATALOGUE,
    GOOD_PLACEMENT,
    GOOD_SURVEY,
    PLACEMENT_HEADER,
    SURVEY_HEADER,
    with_value,
)

SECOND_MAJOR = with_value(with_value(GOOD_CATALOGUE, 6, "080901"), 7, "计算机科学与技术")
SECOND_STUDENT = with_value(GOOD_PLACEMENT, 1, "20240002")


class Landing:
    """A small landing folder, its published warehouse, and builds of it with the real pipeline."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch):
        self.dir = root / "landing"
        self.warehouse = root / "out" / "portal.duckdb"
        monkeypatch.setenv("PORTAL_LANDING", str(self.dir))
        monkeypatch.setenv("PORTAL_WAREHOUSE", str(self.warehouse))
        monkeypatch.setenv("PORTAL_SECRET", "incremental test key")
        self.write("catalogue/c.csv", csv_bytes(CATALOGUE_HEADER, [GOOD_CATALOGUE, SECOND_MAJOR]))
        self.write("survey/s.csv", csv_bytes(SURVEY_HEADER, [GOOD_SURVEY]))
        self.write("bases/b.csv", csv_bytes(BASES_HEADER, [GOOD_BASE]))
        self.write("placements/p2024.csv", csv_bytes(PLACEMENT_HEADER, [GOOD_PLACEMENT, SECOND_STUDENT], "gbk"))

    def write(self, name: str, data: bytes) -> None:
        (self.dir / name).parent.mkdir(parents=True, exist_ok=True)
        (self.dir / name).write_bytes(data)

    def build(self) -> BuildOutcome:
        outcome = run_build()
        assert outcome.published, outcome.failure
        return outcome

    def rows(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()

    def log(self) -> dict[str, tuple]:
        """file → (change, rows_read, rows_loaded, rows_quarantined) from the published load log."""
        return {f: tuple(rest) for f, *rest in self.rows(
            "SELECT file, change, rows_read, rows_loaded, rows_quarantined FROM audit.load_log")}


@pytest.fixture
def landing(tmp_path, monkeypatch) -> Landing:
    return Landing(tmp_path, monkeypatch)


def tables_but_the_build_record(landing: Landing) -> dict[str, list]:
    """Every published table (the load log without `change`), but audit.build (which build, and when) and
    meta.* (how each table was made this time: built, unchanged, by a delta)."""
    with duckdb.connect(str(landing.warehouse), read_only=True) as con:
        tables = all_tables(con)
    tables.pop("audit.build")
    return {name: rows for name, rows in tables.items() if not name.startswith("meta.")}


def test_unchanged_files_are_reused_and_the_warehouse_is_the_same(landing):
    first = landing.build()
    assert all(change == "new" for change, *_ in landing.log().values())
    before = tables_but_the_build_record(landing)
    second = landing.build()
    assert landing.log() == {
        "bases/b.csv": ("unchanged", 1, 1, 0),
        "catalogue/c.csv": ("unchanged", 2, 2, 0),
        "placements/p2024.csv": ("unchanged", 2, 2, 0),
        "survey/s.csv": ("unchanged", 1, 1, 0),
    }
    assert tables_but_the_build_record(landing) == before
    assert "catalogue/c.csv: read 2, loaded 2, quarantined 0" in first.file_lines
    assert ("catalogue/c.csv: read 2, loaded 2, quarantined 0 (unchanged, rows reused from the previous "
            "publication)") in second.file_lines


def test_a_changed_file_replaces_its_old_rows(landing):
    landing.build()
    # the clerk corrects the enrolment of the second major and resubmits under the same name
    corrected = with_value(SECOND_MAJOR, 8, 95)
    landing.write("catalogue/c.csv", csv_bytes(CATALOGUE_HEADER, [GOOD_CATALOGUE, corrected]))
    landing.build()
    assert landing.rows("SELECT major_code, enrolment FROM raw.catalogue ORDER BY major_code") == [
        ("080901", 95), ("080902", 120)]
    assert landing.rows("SELECT sum(enrolment) FROM facts.supply WHERE year = 2024")[0][0] == 215
    assert landing.log()["catalogue/c.csv"] == ("changed", 2, 2, 0)
    assert landing.log()["survey/s.csv"][0] == "unchanged"


def test_an_edit_that_keeps_the_files_size_and_modification_time_is_still_loaded(landing):
    # A build does not hash a file again while its stat is the one recorded when it was hashed. Tools that
    # restore the modification time (cp -p, rsync -t, unpacking an archive) must not hide an edit of the same
    # length from it.
    time.sleep(SETTLED_NS / 1e9)  # files written just now are hashed every time (their stat proves nothing yet)
    landing.build()
    path = landing.dir / "catalogue/c.csv"
    assert landing.rows("SELECT count(*) FROM meta.file_signatures WHERE file = 'catalogue/c.csv'") == [(1,)]
    before = path.stat()
    landing.write("catalogue/c.csv", csv_bytes(CATALOGUE_HEADER, [GOOD_CATALOGUE, with_value(SECOND_MAJOR, 8, 121)]))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    time.sleep(SETTLED_NS / 1e9)  # and the next build comes later, as it would
    landing.build()
    assert landing.rows("SELECT major_code, enrolment FROM raw.catalogue ORDER BY major_code") == [
        ("080901", 121), ("080902", 120)]
    assert landing.log()["catalogue/c.csv"] == ("changed", 2, 2, 0)
    assert landing.log()["survey/s.csv"][0] == "unchanged"


def test_a_deleted_file_takes_its_rows_out_and_is_listed_as_removed(landing):
    landing.write("catalogue/c2023.csv", csv_bytes(CATALOGUE_HEADER, [with_value(GOOD_CATALOGUE, 0, 2023)]))
    landing.build()
    assert landing.rows("SELECT DISTINCT year FROM raw.catalogue ORDER BY 1") == [(2023,), (2024,)]
    (landing.dir / "catalogue/c2023.csv").unlink()
    outcome = landing.build()
    assert landing.rows("SELECT DISTINCT year FROM raw.catalogue ORDER BY 1") == [(2024,)]
    assert landing.rows("SELECT DISTINCT year FROM facts.supply ORDER BY 1") == [(2024,)]
    assert "catalogue/c2023.csv" not in landing.log()
    assert landing.rows("SELECT file, kind, rows_removed FROM audit.removed_files") == [
        ("catalogue/c2023.csv", "catalogue", 1)]
    assert ("catalogue/c2023.csv: REMOVED from the landing folder: its 1 row(s) left the warehouse"
            in outcome.file_lines)
    # removed once: the next build has nothing more to remove
    landing.build()
    assert landing.rows("SELECT count(*) FROM audit.removed_files") == [(0,)]


def test_a_renamed_file_is_loaded_once_under_its_new_name(landing):
    landing.build()
    [(first_loaded_at,)] = landing.rows("SELECT loaded_at FROM audit.load_log WHERE file = 'placements/p2024.csv'")
    (landing.dir / "placements/p2024.csv").rename(landing.dir / "placements/liaoning_2024.csv")
    landing.build()
    assert landing.rows("SELECT source_file, count(*) FROM raw.placements GROUP BY 1") == [
        ("placements/liaoning_2024.csv", 2)]
    assert landing.rows("SELECT count(*) FROM facts.placements") == [(2,)]
    assert landing.log()["placements/liaoning_2024.csv"] == ("renamed from placements/p2024.csv", 2, 2, 0)
    assert landing.rows("SELECT count(*) FROM audit.removed_files") == [(0,)]
    # when this content was first loaded is kept across the rename
    assert landing.rows(
        "SELECT loaded_at FROM audit.load_log WHERE file = 'placements/liaoning_2024.csv'") == [(first_loaded_at,)]


def test_an_identical_copy_is_rejected_and_the_original_keeps_its_rows(landing):
    landing.build()
    # a copy whose name sorts before the original must not take the original's place
    shutil.copy(landing.dir / "placements/p2024.csv", landing.dir / "placements/a_copy.csv")
    landing.build()
    assert landing.rows("SELECT source_file, count(*) FROM raw.placements GROUP BY 1") == [
        ("placements/p2024.csv", 2)]
    assert landing.log()["placements/p2024.csv"][0] == "unchanged"
    [(file, reason)] = landing.rows("SELECT file, reason FROM audit.rejected_files")
    assert file == "placements/a_copy.csv" and "same content as placements/p2024.csv" in reason


def test_placements_are_checked_again_when_the_bases_change(landing):
    landing.build()
    assert landing.rows("SELECT count(*) FROM raw.placements") == [(2,)]
    # the base the placements name is withdrawn; the placement file itself does not change
    other_base = with_value(with_value(GOOD_BASE, 0, "JD002"), 1, "另一个基地")
    landing.write("bases/b.csv", csv_bytes(BASES_HEADER, [other_base]))
    landing.build()
    assert landing.rows("SELECT count(*) FROM raw.placements") == [(0,)]
    assert landing.log()["placements/p2024.csv"] == ("reloaded", 2, 0, 2)
    assert {reason for (reason,) in landing.rows("SELECT reason FROM audit.quarantine WHERE kind = 'placements'")} == {
        "unknown base JD001 (not in any loaded internship-base file)"}


def test_a_new_pseudonymisation_key_reads_every_file_again(landing, monkeypatch):
    landing.build()
    [(old_key,)] = landing.rows("SELECT DISTINCT student_key FROM raw.placements WHERE source_row = 2")
    monkeypatch.setenv("PORTAL_SECRET", "a rotated pseudonymisation key")
    assert run_build(rekey=True).published  # (a build with another key is refused without --rekey)
    assert {change for change, *_ in landing.log().values()} == {"reloaded"}
    [(new_key,)] = landing.rows("SELECT DISTINCT student_key FROM raw.placements WHERE source_row = 2")
    assert new_key != old_key


def test_one_asset_run_from_the_ui_builds_on_the_publication(landing):
    """Materializing one mart on its own (a click in the Dagster UI) starts from the publication, so it finds
    the tables it reads and gives the mart the publication has."""
    import dagster as dg

    from pipelines.build import load_definitions
    from pipelines.defs.resources import portal_resource
    from warehouse import publication

    landing.build()
    defs = load_definitions()
    result = dg.materialize(
        [*defs.assets, *(defs.asset_checks or [])],
        selection=[dg.AssetKey(["marts", "major_gap"])],
        resources={"portal": portal_resource()},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert result.success
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [dg.AssetKey(["marts", "major_gap"])]
    query = "SELECT * FROM marts.major_gap ORDER BY ALL"
    with duckdb.connect(str(publication.build_file(landing.warehouse, result.run_id)), read_only=True) as con:
        rebuilt = con.execute(query).fetchall()
    assert rebuilt and rebuilt == landing.rows(query)


def test_a_damaged_publication_is_built_over_from_the_files(landing):
    """A build starts as a copy of the publication; one DuckDB cannot open must not stop every later build."""
    landing.warehouse.parent.mkdir(parents=True)
    landing.warehouse.write_bytes(b"not a DuckDB database, e.g. cut short by a failing disk" * 100)
    landing.build()
    assert {change for change, *_ in landing.log().values()} == {"new"}
    assert landing.rows("SELECT count(*) FROM raw.placements") == [(2,)]


def test_the_production_executor_builds_every_step_into_one_database(landing, tmp_path, monkeypatch):
    """With PORTAL_EXECUTOR=multiprocess (deploy/) every step runs in its own process and sets up the resource
    again: all steps must still write the one build database, started once from the publication, so a file
    added between two builds reaches the published warehouse."""
    import os
    import subprocess
    import sys

    monkeypatch.setenv("PORTAL_EXECUTOR", "multiprocess")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()

    def build() -> None:
        subprocess.run([str(Path(sys.executable).with_name("dagster")), "job", "execute", "-m", "pipelines.definitions",
                        "-j", "build_warehouse"], env=os.environ, check=True, capture_output=True, timeout=600)

    build()
    placement_2025 = with_value(with_value(with_value(with_value(
        GOOD_PLACEMENT, 0, 2025), 1, "20250003"), 5, "2025-07-01"), 6, "2025-08-31")
    landing.write("placements/p2025.csv", csv_bytes(PLACEMENT_HEADER, [placement_2025], "gbk"))
    build()
    assert landing.rows("SELECT count(*) FROM raw.placements") == [(3,)]
    assert landing.rows("SELECT count(*) FROM facts.placements") == [(3,)]
    assert landing.log()["placements/p2025.csv"][0] == "new"
    assert not list(landing.warehouse.parent.glob(".portal.builds/*"))  # nothing copied after publishing
