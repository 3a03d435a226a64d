"""The personal-data scan that stands between a build and its publication: what it finds, and that a build
holding a clear phone number is not published whether or not the run includes the scan's step
(personal_data_scan and its check no_personal_data)."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from tests.conftest import materialize_all
from tests.test_build import small_landing
from warehouse.privacy import LOADER_SCHEMAS, find_personal_data

ID_NUMBER = "110101200001011234"
MOBILE = "13812345678"
PSEUDONYM_WITH_DIGITS = "a" + "1" * 20 + "b" * 43  # a 64-character hex key with a long run of digits


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    for schema in ("raw", "staging", "marts", "audit"):
        con.execute(f"CREATE SCHEMA {schema}")
    con.execute("CREATE TABLE raw.placements (student_key VARCHAR, source_file VARCHAR, note VARCHAR)")
    con.execute("INSERT INTO raw.placements VALUES (?, 'placements/2024-first-term.csv', 'ok')",
                [PSEUDONYM_WITH_DIGITS])
    con.execute("CREATE TABLE marts.suggestions (reason VARCHAR, year INTEGER, graduates BIGINT)")
    con.execute("INSERT INTO marts.suggestions VALUES ('同城沈阳市；企业需求 12.5 人', 2024, 12345678901)")
    yield con
    con.close()


def test_a_clean_build_has_no_findings(con):
    # long digit runs inside a pseudonym, and numbers in numeric columns, are not personal values
    assert find_personal_data(con) == []


@pytest.mark.parametrize("value", [ID_NUMBER, f"联系人：{ID_NUMBER[:-1]}X。", f"电话{MOBILE}", f"tel: {MOBILE}"])
def test_a_clear_number_anywhere_in_a_text_value_is_found(con, value):
    con.execute("INSERT INTO marts.suggestions VALUES (?, 2024, 1)", [value])
    [finding] = find_personal_data(con)
    assert finding.startswith("marts.suggestions.reason: 1 value(s) shaped like")


def test_a_clear_number_among_many_repeated_values_is_found(con):
    # a column of few distinct values (file names, codes) is matched one distinct value at a time
    con.execute("INSERT INTO raw.placements SELECT 'k' || i, 'placements/liaoning_2024.csv', 'ok' FROM range(5000) t(i)")
    con.execute("INSERT INTO raw.placements VALUES ('k', ?, 'ok')", [f"placements/{MOBILE}.csv"])
    # the finding names the file, its number masked
    assert find_personal_data(con) == [
        "raw.placements.source_file: 1 value(s) shaped like a mobile number, in placements/〔已删除 removed〕.csv"]


def test_a_finding_names_the_files_and_rows_never_the_value(con):
    con.execute("CREATE TABLE raw.survey (source_file VARCHAR, source_row INTEGER, skills VARCHAR)")
    con.execute("INSERT INTO raw.survey SELECT 'survey/s.csv', i, 'Java' FROM range(2, 30) t(i)")
    con.execute("UPDATE raw.survey SET skills = ? WHERE source_row IN (7, 3)", [f"联系 {MOBILE[:3]}-{MOBILE[3:7]}-{MOBILE[7:]}"])
    con.execute("INSERT INTO raw.survey VALUES ('survey/t.csv', 12, ?)", [f"简历 hr.zhang@example.com {ID_NUMBER}"])
    findings = find_personal_data(con)
    assert findings == [
        "raw.survey.skills: 1 value(s) shaped like an ID number, in survey/t.csv row(s) 12",
        "raw.survey.skills: 2 value(s) shaped like a mobile number, in survey/s.csv row(s) 3, 7",
        "raw.survey.skills: 1 value(s) shaped like an e-mail address, in survey/t.csv row(s) 12",
    ]


def test_an_email_address_in_a_column_of_short_values_is_found(con):
    # a column too short to hold a number is still read for an e-mail address
    con.execute("CREATE TABLE staging.contacts (code VARCHAR)")
    con.execute("INSERT INTO staging.contacts SELECT lpad(i::VARCHAR, 6, '0') FROM range(1000) t(i)")
    con.execute("INSERT INTO staging.contacts VALUES ('ab@qq.com'), ('a@b')")
    assert find_personal_data(con) == ["staging.contacts.code: 1 value(s) shaped like an e-mail address"]


def test_json_columns_and_personal_column_names_are_found(con):
    con.execute("CREATE TABLE audit.quarantine (raw_row JSON)")
    con.execute("INSERT INTO audit.quarantine VALUES (?)", [f'{{"手机": "{MOBILE}"}}'])
    con.execute("CREATE TABLE staging.students (phone VARCHAR)")
    assert find_personal_data(con) == [
        "staging.students has a personal column 'phone'",
        "audit.quarantine.raw_row: 1 value(s) shaped like a mobile number",
    ]


def test_only_and_skip_split_the_scan_by_schema(con):
    con.execute("INSERT INTO raw.placements VALUES ('k', 'f.csv', ?)", [MOBILE])
    con.execute("INSERT INTO marts.suggestions VALUES (?, 2024, 1)", [ID_NUMBER])
    loaders = find_personal_data(con, only=LOADER_SCHEMAS)
    rest = find_personal_data(con, skip=LOADER_SCHEMAS)
    assert loaders == ["raw.placements.note: 1 value(s) shaped like a mobile number, in f.csv"]
    assert rest == ["marts.suggestions.reason: 1 value(s) shaped like an ID number"]
    # a schema nobody listed is scanned too
    con.execute("CREATE SCHEMA scratch")
    con.execute("CREATE TABLE scratch.t AS SELECT ? AS v", [MOBILE])
    assert "scratch.t.v: 1 value(s) shaped like a mobile number" in find_personal_data(con, skip=LOADER_SCHEMAS)


def landing_with_a_phone_in_the_university_register(root):
    landing = small_landing(root)
    (landing / "reference").mkdir()
    (landing / "reference" / "universities.csv").write_text(
        "university_code,university_name,university_name_en,province_name,city_name\n"
        f"99001,联系电话{MOBILE}学院,Phone College,辽宁省,沈阳市\n", encoding="utf-8")
    return landing


def test_a_number_in_full_width_digits_in_the_university_supplement_is_found(tmp_path):
    """The reference lists are folded as source cells are, so a mobile number typed in full-width digits
    (common in Chinese input methods) is a number to the scan, not text it cannot read."""
    from sources.reference_data import load_reference_table

    full_width = MOBILE.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    landing = tmp_path / "landing"
    (landing / "reference").mkdir(parents=True)
    (landing / "reference" / "universities.csv").write_text(
        "university_code,university_name,university_name_en,province_name,city_name\n"
        f"99001,联系电话{full_width}学院,Phone College,辽宁省,沈阳市\n", encoding="utf-8")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        load_reference_table(con, "universities", landing)
        assert find_personal_data(con, only=("reference",)) == [
            "reference.universities.university_name: 1 value(s) shaped like a mobile number, in the landing "
            "folder's reference/universities.csv"]


@pytest.mark.parametrize("with_check", [True, False], ids=["with the scan", "scan left out of the run"])
def test_a_build_holding_a_clear_phone_number_is_not_published(tmp_path, monkeypatch, with_check):
    landing = landing_with_a_phone_in_the_university_register(tmp_path)
    warehouse = tmp_path / "portal.duckdb"
    monkeypatch.setenv("PORTAL_LANDING", str(landing))
    monkeypatch.setenv("PORTAL_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("PORTAL_SECRET", "privacy test key")
    if with_check:
        result = materialize_all()
        [check] = [c for c in result.get_asset_check_evaluations() if c.check_name == "no_personal_data"]
        assert not check.passed
    else:
        from pipelines.build import load_definitions
        from pipelines.defs.resources import portal_resource

        defs = load_definitions()
        assets = [a for a in defs.assets if dg.AssetKey("personal_data_scan") not in a.keys]
        result = dg.materialize([*assets, *(defs.asset_checks or [])], resources={"portal": portal_resource()},
                                instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
        failure = next(e for e in result.all_events if e.is_step_failure and "published_warehouse" in e.step_key)
        assert "reference.universities.university_name: 1 value(s) shaped like a mobile number, in the landing " \
            "folder's reference/universities.csv" in str(failure.event_specific_data.error.message)
    assert dg.AssetKey("published_warehouse") not in {
        e.materialization.asset_key for e in result.get_asset_materialization_events()}
    assert not warehouse.exists()


def test_a_failed_scan_is_named_in_the_build_output_never_the_value(tmp_path, monkeypatch):
    from pipelines.build import run_build

    landing = landing_with_a_phone_in_the_university_register(tmp_path)
    monkeypatch.setenv("PORTAL_LANDING", str(landing))
    monkeypatch.setenv("PORTAL_WAREHOUSE", str(tmp_path / "portal.duckdb"))
    monkeypatch.setenv("PORTAL_SECRET", "privacy test key")
    outcome = run_build()
    assert not outcome.published
    finding = ("reference.universities.university_name: 1 value(s) shaped like a mobile number, in the landing "
               "folder's reference/universities.csv")
    failed = outcome.check_lines.index("check personal_data_scan:no_personal_data: FAILED")
    # what `portal build` prints under the check: first where the value came in (the file), then where it went
    assert outcome.check_lines[failed + 1:failed + 3] == [
        f"  {finding}", "  dims.university.university_name: 1 value(s) shaped like a mobile number"]
    [check] = [c for c in outcome.result.get_asset_check_evaluations() if c.check_name == "no_personal_data"]
    assert check.description.splitlines()[0] == finding and finding in check.metadata["failures"].value
    printed = outcome.check_lines + outcome.file_lines + [outcome.failure or ""]
    assert not any(MOBILE in line for line in printed)


def test_a_file_named_with_a_phone_number_is_published_under_its_masked_name(tmp_path, monkeypatch):
    from pipelines.build import run_build
    from pipelines.defs.resources import portal_resource
    from pipelines.defs.sensors import compare_landing

    landing = small_landing(tmp_path)
    (landing / "placements" / "p.csv").rename(landing / "placements" / f"张三_{MOBILE}.csv")
    # a file the build refuses unread (a link) is reported, recorded and compared under its masked name too
    (landing / "placements" / f"李四_{MOBILE}.csv").symlink_to("/etc/hostname")
    warehouse = tmp_path / "portal.duckdb"
    monkeypatch.setenv("PORTAL_LANDING", str(landing))
    monkeypatch.setenv("PORTAL_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("PORTAL_SECRET", "privacy test key")
    outcome = run_build()
    assert outcome.published, outcome.failure
    shown = "placements/张三_〔已删除 removed〕.csv"
    assert f"{shown}: read 1, loaded 1, quarantined 0" in outcome.file_lines
    assert any(line.startswith("placements/李四_〔已删除 removed〕.csv: REJECTED: ") for line in outcome.file_lines)
    assert not any(MOBILE in line for line in outcome.file_lines)
    with duckdb.connect(str(warehouse), read_only=True) as published:
        assert published.execute("SELECT count(*) FROM audit.build_inputs WHERE file = ?", [shown]).fetchone() == (1,)
        assert published.execute("SELECT count(*) FROM raw.placements WHERE source_file = ?", [shown]).fetchone() \
            == (1,)
    assert MOBILE.encode() not in warehouse.read_bytes()
    # the landing-folder sensor knows the file by the same name: nothing has changed since the build
    _, changed, removed = compare_landing(portal_resource(), {})
    assert (changed, removed) == ([], [])
