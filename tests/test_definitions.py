"""The Dagster definitions as data staff see them in `dg dev`: assets, lineage, checks, sensor, schedule."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest

from pipelines.build import load_definitions

# A snapshot of every asset key: renaming or dropping a table must show up in review.
EXPECTED_ASSETS = {
    "reference/provinces", "reference/cities", "reference/universities", "reference/majors",
    "reference/industries", "reference/major_industry_crosswalk",
    "raw/catalogue", "raw/survey", "raw/bases", "raw/placements",
    "audit/load_log", "audit/quarantine", "audit/rejected_files", "audit/removed_files",
    "staging/catalogue", "staging/survey_positions", "staging/bases",
    "dims/province", "dims/city", "dims/university", "dims/major", "dims/industry", "dims/enterprise", "dims/base",
    "facts/supply", "facts/demand", "facts/placements",
    "marts/major_gap", "marts/industry_gap", "marts/internship_coverage", "marts/base_utilisation",
    "marts/pairing_suggestions", "marts/gap_by_geography", "facts/supply_demand_by_city",
    "marts/headline", "marts/pillar_gap", "marts/major_industry_links", "marts/internship_by_geography",
    "marts/base_placements", "marts/major_cards",
    "dims/host_majors", "facts/internship_counts", "facts/internship_rollup", "marts/internship_figures", "marts/internship_totals",
    "marts/internship_wordings",
    "marts/demand_share_trend", "marts/scorecard", "marts/enrolment", "marts/platform_placements",
    "reference/skills", "staging/skill_aliases", "staging/skill_course_aliases", "staging/skill_cell_pieces",
    "staging/survey_skill_pieces",
    "staging/skill_fuzzy_matches", "facts/position_skills", "facts/curriculum_skills", "marts/skill_demand",
    "marts/major_top_skills", "marts/skill_gap", "marts/salary", "marts/unmatched_skill_pieces", "marts/skill_teaching",
    "personal_data_scan", "published_warehouse",
}


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    return load_definitions()


def test_every_table_is_an_asset(defs):
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert keys == EXPECTED_ASSETS


def test_lineage_follows_the_sql(defs):
    graph = defs.resolve_asset_graph()

    def parents(key: str) -> set[str]:
        return {p.to_user_string() for p in graph.get(dg.AssetKey.from_user_string(key)).parent_keys}

    # the internship counts are made once (facts.internship_counts) and the marts read them
    # (reference/majors: a placement's study level is its major's)
    assert parents("facts/internship_counts") == {"facts/supply", "facts/placements", "reference/universities",
                                                  "reference/majors"}
    assert parents("marts/internship_coverage") == {"facts/internship_counts", "reference/universities",
                                                    "reference/majors"}
    assert {"raw/bases"} <= parents("raw/placements")  # placements are validated against the bases
    assert "marts/major_gap" in parents("marts/pairing_suggestions")
    assert {"marts/major_gap", "marts/industry_gap", "audit/load_log"} <= parents("published_warehouse")
    # the personal-data scan is one step after every loader and model, and before the publication
    every_table = EXPECTED_ASSETS - {"personal_data_scan", "published_warehouse"}
    assert parents("personal_data_scan") == every_table
    assert "personal_data_scan" in parents("published_warehouse")


def test_metric_checks_exist_and_block_publication(defs):
    graph = defs.resolve_asset_graph()
    checks = {
        (key.asset_key.to_user_string(), key.name): graph.get_check_spec(key).blocking
        for key in graph.asset_check_keys
    }
    assert checks == {
        ("audit/load_log", "rows_add_up"): True,
        ("reference/major_industry_crosswalk", "crosswalk_weights_sum_to_one"): True,
        ("marts/major_gap", "shares_sum_to_one"): True,
        ("marts/industry_gap", "shares_sum_to_one"): True,
        ("personal_data_scan", "no_personal_data"): True,
    }


def test_daily_schedule_builds_everything(defs):
    schedule = defs.resolve_schedule_def("daily_build")
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.job_name == "build_warehouse"


def test_sensor_requests_a_build_only_when_landing_files_change(defs, tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    (landing / "catalogue").mkdir(parents=True)
    source = landing / "catalogue" / "a.csv"
    source.write_text("year\n2024\n", encoding="utf-8")
    monkeypatch.setenv("PORTAL_LANDING", str(landing))
    monkeypatch.setenv("PORTAL_WAREHOUSE", str(tmp_path / "portal.duckdb"))
    from pipelines.defs.resources import portal_resource
    from pipelines.defs.sensors import landing_folder_sensor

    def tick(cursor: str | None):
        with dg.build_sensor_context(cursor=cursor, resources={"portal": portal_resource()}) as context:
            return landing_folder_sensor(context), context.cursor

    first, cursor = tick(None)
    assert isinstance(first, dg.RunRequest)
    # nothing published yet: the same request again, under the same run key (Dagster launches a key once)
    unchanged, cursor_again = tick(cursor)
    assert isinstance(unchanged, dg.RunRequest) and unchanged.run_key == first.run_key and cursor_again == cursor
    source.write_text("year\n2025\n", encoding="utf-8")
    os.utime(source, ns=(Path(source).stat().st_atime_ns, Path(source).stat().st_mtime_ns + 1_000_000))
    changed, _ = tick(cursor)
    assert isinstance(changed, dg.RunRequest) and changed.run_key != first.run_key


def test_a_subset_of_the_models_runs_alone_in_dependency_order(tmp_path, monkeypatch):
    # what the UI does when staff select a few assets and click "Materialize selected"
    from tests.test_build import small_landing

    monkeypatch.setenv("PORTAL_LANDING", str(small_landing(tmp_path)))
    monkeypatch.setenv("PORTAL_WAREHOUSE", str(tmp_path / "portal.duckdb"))
    monkeypatch.setenv("PORTAL_SECRET", "subset test pseudonymisation key")
    selected = {f"reference/{t}" for t in ("provinces", "cities", "universities", "majors", "industries",
                                            "major_industry_crosswalk")}
    selected |= {"raw/catalogue", "staging/catalogue", "dims/major", "dims/university"}
    result = load_definitions().resolve_job_def("build_warehouse").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False,
        asset_selection=[dg.AssetKey.from_user_string(k) for k in selected])
    assert result.success
    done = {e.materialization.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert done == selected
    rows = {m.asset_key.to_user_string(): m.metadata["dagster/row_count"].value
            for m in (e.materialization for e in result.get_asset_materialization_events())}
    assert rows["staging/catalogue"] == rows["raw/catalogue"] == 1
