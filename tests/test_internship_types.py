"""The internship wordings of the MoE platform and of data staff are normalised as docs/metrics.md
"Internship types" says; wordings not recognised count as production internships and are listed, never dropped."""

from __future__ import annotations

import duckdb
import pytest

from warehouse import models

WORDINGS = [
    ("认识实习", "cognitive"), ("认知实习", "cognitive"), ("Cognitive", "cognitive"),
    ("生产实习", "production"), ("专业实习", "production"), ("Production internship", "production"),
    ("毕业实习", "graduation"), ("岗位实习", "graduation"), ("顶岗实习", "graduation"), ("graduation", "graduation"),
    ("跟岗实习", None), ("其他", None), (None, None),
]


@pytest.fixture(scope="module")
def con():
    with duckdb.connect() as connection:
        models.prepare(connection)
        yield connection


@pytest.mark.parametrize(("wording", "normalised"), WORDINGS)
def test_internship_type_wordings(con, wording, normalised):
    recognised, counted = con.execute("SELECT internship_type_of(?), internship_type_counted(?)",
                                      [wording, wording]).fetchone()
    assert recognised == normalised
    assert counted == (normalised or "production")  # unknown or missing wording counts as production


@pytest.mark.parametrize(("wording", "organisation", "mode"), [
    ("集中", "centralised", None), ("分散", "dispersed", None), ("现场", None, "onsite"),
    ("虚拟仿真", None, "virtual"), ("模拟", None, "simulated"), ("线下", None, "onsite"),
])
def test_organisation_and_mode_wordings(con, wording, organisation, mode):
    assert con.execute("SELECT internship_organisation_of(?), internship_mode_of(?)",
                       [wording, wording]).fetchone() == (organisation, mode)


def test_cognitive_visits_are_no_placements_and_small_groups_are_suppressed(con):
    assert con.execute("SELECT is_placement('cognitive'), is_placement('production'), "
                       "is_placement('graduation')").fetchone() == (False, True, True)
    assert con.execute("SELECT shown(0.5, 4), shown(0.5, 5), shown(0.0, 0)").fetchone() == (None, 0.5, 0.0)
