"""The warehouse's settings: where the published warehouse is, how long the previous publication is kept,
and the metric thresholds and parameters the SQL models read (docs/metrics.md).

They live in `warehouse/` because the warehouse owns the file and computes every figure from these values
(warehouse/models.py hands them to the SQL as DuckDB variables, and a model's state includes them). The
pipelines and the dashboard, downstream, read them from here: the command line to find the warehouse, the
pages to explain a status with the threshold that gave it.
"""

from __future__ import annotations

import os
from pathlib import Path

# --- paths -----------------------------------------------------------------------------------------
DEFAULT_WAREHOUSE = Path(__file__).resolve().parent / "portal.duckdb"


def warehouse_path() -> Path:
    return Path(os.environ.get("PORTAL_WAREHOUSE") or DEFAULT_WAREHOUSE)


def previous_retention_days() -> float:
    """How long the previous publication (kept for `portal rollback`) is kept after a newer one replaced it
    (PORTAL_PREVIOUS_RETENTION_DAYS, default 7): it still holds the rows of files deleted since, so it is
    deleted at the first build or rollback after that."""
    return float(os.environ.get("PORTAL_PREVIOUS_RETENTION_DAYS") or 7)


# --- metrics (shared/METRICS.md) ---------------------------------------------------------------
SHORTAGE_ALIGNMENT = 1.25  # alignment >= this is a shortage
SURPLUS_ALIGNMENT = 0.80  # alignment <= this is a surplus
#: a status needs this much evidence in its geography, level and year: positions' worth of demand and
#: graduates of supply; below them it is insufficient_data (METRICS.md v2 "Enough evidence")
MIN_DEMAND = 20
MIN_SUPPLY = 20
#: cards (绿牌/黄牌/红牌) are judged over this many latest survey years of a province (METRICS.md v2 "Cards")
CARD_YEARS = 3
#: the demand-share trend (scorecard, outlook) is the least-squares line through this many latest survey
#: years of a province (METRICS.md v2 "Decision support")
TREND_YEARS = 3
#: projected supply = enrolment this many years earlier, by level (catalogue levels are normalised to these)
PROJECTION_LAG_YEARS = {"本科": 4, "专科": 3}
#: the geography name of the whole region in the gap marts
REGION_GEOGRAPHY = "northeast"
#: no student count, or ratio over students, is shown for a group of 1 to this − 1 students (DESIGN.md
#: "Personal data"); the internship marts suppress them (macros.sql `is_small_group`), the pages say so
MIN_GROUP_SIZE = 5
#: skills and pay (METRICS.md v2 "Skills and pay"): a fuzzy match of a survey's skill wording to the vocabulary
#: needs at least this rapidfuzz `ratio` (0–100; precision and recall on the labelled sample:
#: tests/test_skill_matching.py); a skill is a gap of a university's major when employers of the major ask for
#: it in at least this share of the major's demand and the major's core courses do not teach it; a salary figure
#: needs at least this many survey rows (positions) with a salary
SKILL_FUZZY_THRESHOLD = 60
SKILL_GAP_MIN_SHARE = 0.10
MIN_SALARY_POSITIONS = 5
