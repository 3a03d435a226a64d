"""Incremental models, on the scale-1 Northeast scenario: after placement files change, a build brings the
placements chain up to date by deltas (only the placements and years touched) and keeps every model the change
does not reach, and the warehouse it publishes is, table for table, the one a build from scratch of the same
files publishes."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from benchmarks.run import new_content
from pipelines.build import run_build
from warehouse import state
from warehouse.privacy import find_personal_data, scanner_fingerprint

#: the build's own bookkeeping: which build, when, and how each table was made, differ by design
BOOKKEEPING = ("audit.build", "audit.build_inputs", "audit.checks", "audit.load_log", "audit.removed_files")
#: columns that say what this build did with a file (new, then unchanged), not what the file holds
PER_BUILD_COLUMNS = ("change", "loaded_at")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:
    from sources.demo.generator import generate

    landing = tmp_path_factory.mktemp("scenario") / "landing"
    generate(landing, scale=1, seed=2026)
    return landing


class Warehouses:
    def __init__(self, root: Path, scenario: Path, monkeypatch: pytest.MonkeyPatch):
        self.root, self.monkeypatch = root, monkeypatch
        self.landing = root / "landing"
        shutil.copytree(scenario, self.landing)
        self.warehouse = root / "incremental" / "portal.duckdb"
        monkeypatch.setenv("PORTAL_LANDING", str(self.landing))
        monkeypatch.setenv("PORTAL_SECRET", "incremental models test key")

    def build(self, warehouse: Path | None = None) -> None:
        self.monkeypatch.setenv("PORTAL_WAREHOUSE", str(warehouse or self.warehouse))
        outcome = run_build()
        assert outcome.published, outcome.failure

    def how(self) -> dict[str, str]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return dict(con.execute("SELECT table_name, how FROM meta.table_state").fetchall())

    def differences_from_scratch(self, name: str) -> list[str]:
        """Build the same landing folder from scratch; the tables whose rows differ (as multisets)."""
        scratch = self.root / name / "portal.duckdb"
        self.build(scratch)
        con = duckdb.connect()
        con.execute(f"ATTACH '{self.warehouse}' AS inc (READ_ONLY)")
        con.execute(f"ATTACH '{scratch}' AS fresh (READ_ONLY)")
        tables = con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = 'fresh' "
            "AND schema_name <> 'meta' ORDER BY 1").fetchall()
        # a table the incremental warehouse kept that a build from scratch does not make
        differing = [f"{table}: only incremental" for (table,) in con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = 'inc' "
            "AND schema_name <> 'meta' EXCEPT SELECT schema_name || '.' || table_name FROM duckdb_tables() "
            "WHERE database_name = 'fresh' ORDER BY 1").fetchall()]
        for (table,) in tables:
            if table in BOOKKEEPING:
                continue
            columns = ", ".join(f'"{c}"' for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = 'fresh' "
                "AND schema_name || '.' || table_name = ? ORDER BY column_index", [table]).fetchall()
                if c not in PER_BUILD_COLUMNS)
            # a file log lists the files removed since the build before (a build from scratch had none before)
            kept = " WHERE status <> 'removed'" if table.endswith("__files") else ""
            one, other = (f"SELECT {columns} FROM {db}.{table}{kept}" for db in ("inc", "fresh"))
            extra = con.execute(f"SELECT count(*) FROM ({one} EXCEPT ALL {other})").fetchone()[0]
            missing = con.execute(f"SELECT count(*) FROM ({other} EXCEPT ALL {one})").fetchone()[0]
            if extra or missing:
                differing.append(f"{table}: {extra} row(s) only incremental, {missing} only from scratch")
        return differing

    def hired(self, year: int) -> int:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute("SELECT sum(hired_rows) FROM marts.base_placements WHERE year = ?", [year]).fetchone()[0]


def resubmission(placements: Path, rows: int) -> tuple[bytes, int]:
    """The first `rows` placements of one year's CSV sent again, every outcome now 录用 (hired)."""
    source = sorted(placements.glob("*.csv"))[0]
    data = source.read_bytes()
    encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "gb18030"
    lines = data.decode(encoding).splitlines()
    header, body = lines[0], lines[1:rows + 1]
    assert header.split(",")[0] == "年份"
    outcome = header.split(",").index("实习结果")  # the platform's 实习类型 may follow it
    year = int(body[0].split(",")[0])
    hired = [",".join(cell if i != outcome else "录用" for i, cell in enumerate(line.split(","))) for line in body]
    return ("\n".join([header, *hired]) + "\n").encode(encoding), year


def test_placement_changes_are_applied_by_deltas_and_equal_a_build_from_scratch(tmp_path, scenario, monkeypatch):
    w = Warehouses(tmp_path, scenario, monkeypatch)
    w.build()
    assert set(w.how().values()) == {"built"}

    # a resubmission of 40 placements of one year, now hired, and another year's file renamed
    placements = w.landing / "placements"
    data, year = resubmission(placements, 40)
    hired_before = w.hired(year)
    (placements / "zz_resubmission.csv").write_bytes(data)
    renamed = sorted(p for p in placements.iterdir() if f"_{year}_" not in p.name)[0]
    renamed_year = int(renamed.name.split("_")[1])
    renamed.rename(placements / f"a_{renamed.name}")
    w.build()

    how = w.how()
    assert how["facts.placements"].startswith("delta: ")
    # the renamed file's placements are the same placements: only the resubmission's 40 are facts that changed,
    # so only their year is computed again below the facts
    for table in ("marts.base_placements", "marts.internship_coverage"):
        assert how[table].startswith("delta: ") and how[table].endswith(" key(s) (year, university_code)"), table
    for table in ("marts.internship_by_geography", "marts.base_utilisation", "marts.pairing_suggestions",
                  "marts.headline", "marts.scorecard"):
        assert how[table] == f"delta: year {year}", table
    assert renamed_year != year
    # nothing on the catalogue and survey side was built again
    for table in ("staging.catalogue", "facts.supply", "facts.demand", "marts.major_gap", "dims.base"):
        assert how[table] == "unchanged", table
    # the resubmitted placements count as hired, once each
    assert w.hired(year) > hired_before
    assert w.differences_from_scratch("scratch-1") == []

    # the resubmission withdrawn: the placements it had replaced count again
    (placements / "zz_resubmission.csv").unlink()
    w.build()
    assert w.how()["facts.placements"] == "delta: 40 key(s) (year, student_key, base_id, start_date) of 1 file(s)"
    assert w.hired(year) == hired_before
    assert w.differences_from_scratch("scratch-2") == []


def test_a_late_batch_of_new_placements_and_an_identical_copy(tmp_path, scenario, monkeypatch):
    w = Warehouses(tmp_path, scenario, monkeypatch)
    w.build()
    placements = w.landing / "placements"
    source = sorted(placements.glob("*.csv"))[-1]
    year = int(source.name.split("_")[1])
    with duckdb.connect(str(w.warehouse), read_only=True) as con:
        placed_before = con.execute("SELECT sum(placements) FROM marts.internship_coverage WHERE year = ?",
                                    [year]).fetchone()[0]
    # the same placements again under another name (with one row twice, or the loader would reject the file as
    # a copy) change no placement: nothing below the facts is computed again
    data = source.read_bytes()
    header, *rows = data.rstrip(b"\n").split(b"\n")
    (placements / "zz_copy.csv").write_bytes(b"\n".join([header, *rows, rows[-1]]) + b"\n")
    w.build()
    how = w.how()
    assert how["facts.placements"].startswith("delta: ")
    assert all(how[t] == "unchanged" for t in how if t.startswith("marts.")), how
    assert w.differences_from_scratch("scratch-copy") == []

    # a late batch: the file's placements for other students (the benchmark's new file), counted in its year only
    (placements / "zz_copy.csv").write_bytes(new_content(data))
    w.build()
    how = w.how()
    assert how["facts.placements"].startswith("delta: ")
    assert how["marts.headline"] == f"delta: year {year}"
    with duckdb.connect(str(w.warehouse), read_only=True) as con:
        placed_after = con.execute("SELECT sum(placements) FROM marts.internship_coverage WHERE year = ?",
                                   [year]).fetchone()[0]
    assert placed_after > placed_before
    assert w.differences_from_scratch("scratch-batch") == []


def test_a_table_of_a_model_that_no_longer_exists_leaves_the_warehouse(tmp_path, scenario, monkeypatch):
    """A warehouse built by an older version keeps tables of models since removed (staging.placements, now
    settled inside facts.placements): the next build drops them and their records, so a publication holds
    only what the current models make."""
    w = Warehouses(tmp_path, scenario, monkeypatch)
    w.build()
    with duckdb.connect(str(w.warehouse)) as con:
        state.ensure(con)
        con.execute("CREATE TABLE staging.placements AS SELECT * FROM facts.placements")
        state.record_state(con, "staging.placements", state.TableState("old", "old", "old", {}), "built")
    w.build()
    assert "staging.placements" not in w.how()
    assert w.differences_from_scratch("scratch") == []


def test_a_survey_change_rebuilds_what_it_reaches_and_equals_a_build_from_scratch(tmp_path, scenario, monkeypatch):
    w = Warehouses(tmp_path, scenario, monkeypatch)
    w.build()
    survey = sorted((w.landing / "survey").glob("*.csv"))[0]
    data = survey.read_bytes()
    lines = data.split(b"\n")
    lines.pop(1)  # one position fewer
    survey.write_bytes(b"\n".join(lines))
    w.build()
    how = w.how()
    assert how["staging.survey_positions"] == "built" and how["marts.major_gap"] == "built"
    assert how["facts.placements"] == "unchanged" and how["staging.catalogue"] == "unchanged"
    assert w.differences_from_scratch("scratch") == []


def test_the_personal_data_scan_reads_the_rows_a_delta_brought_in(tmp_path, scenario, monkeypatch):
    w = Warehouses(tmp_path, scenario, monkeypatch)
    w.build()
    placements = w.landing / "placements"
    data, year = resubmission(placements, 10)
    (placements / "zz_resubmission.csv").write_bytes(data)
    w.build()
    copy = tmp_path / "copy.duckdb"
    shutil.copy(w.warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        whole = state.scan_plan(con, "marts.major_gap", "any scanner")  # another scanner: the whole table
        assert whole is not None and whole.where is None
        # as the scan saw the table after the delta: the rows it brought in, the resubmitted placements
        delta = state.delta(con, "facts.placements")
        assert delta is not None and delta.years == [year]
        con.execute("UPDATE meta.scan_state SET state = ? WHERE table_name = 'facts.placements'", [delta.from_state])
        brought_in = state.scan_plan(con, "facts.placements", scanner_fingerprint())
        assert brought_in is not None and brought_in.where is not None
        assert con.execute(f"SELECT count(*), count(DISTINCT source_file) FROM facts.placements "
                           f"WHERE {brought_in.where}").fetchone() == (10, 1)

        def scan_as_the_next_build() -> list[str]:
            con.execute("UPDATE meta.scan_state SET state = ? WHERE table_name = 'facts.placements'",
                        [delta.from_state])
            return find_personal_data(con, only=("facts",), changed_only=True)

        # a row of the same year the delta did not touch is not read again (it was scanned clean before)
        untouched, outcome = con.execute(
            "SELECT rowid, outcome FROM facts.placements WHERE rowid = (SELECT min(rowid) FROM facts.placements "
            "WHERE year = ? AND source_file <> 'placements/zz_resubmission.csv')", [year]).fetchone()
        con.execute("UPDATE facts.placements SET outcome = '13812345678' WHERE rowid = ?", [untouched])
        assert scan_as_the_next_build() == []
        con.execute("UPDATE facts.placements SET outcome = ? WHERE rowid = ?", [outcome, untouched])
        # a bug that wrote a phone number into a row the delta brought in: found, and named
        hash_of = state.row_hash(con, "facts.placements")
        leaked = con.execute(f"SELECT rowid, {hash_of}, source_row FROM facts.placements "
                             "WHERE source_file = 'placements/zz_resubmission.csv' ORDER BY rowid LIMIT 1").fetchone()
        con.execute("UPDATE facts.placements SET outcome = '13912345678' WHERE rowid = ?", [leaked[0]])
        con.execute(f"UPDATE meta.delta_rows SET row_hash = (SELECT {hash_of} FROM facts.placements WHERE rowid = ?) "
                    "WHERE table_name = 'facts.placements' AND row_hash = ?", [leaked[0], leaked[1]])
        assert scan_as_the_next_build() == [
            "facts.placements.outcome: 1 value(s) shaped like a mobile number, in "
            f"placements/zz_resubmission.csv row(s) {leaked[2]}"]
