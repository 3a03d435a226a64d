"""The fuzzy half of matching survey skill wordings to the skills vocabulary (docs/metrics.md "Skills and pay").

The SQL models match a piece of a 技能要求 cell to a skill by its exact (folded) name or alias first; what is left
goes through `skill_fuzzy_match(piece, vocabulary, threshold)`, registered on every build connection
(warehouse/connection.py), once per *distinct* unmatched piece (staging.skill_fuzzy_matches), never per row.

Scorer: rapidfuzz's `fuzz.ratio` (normalised Indel similarity, 0–100) against every alias, best first. On the
labelled sample in tests/data/skill_pieces_labelled.csv it beats WRatio, partial_ratio and token_set_ratio: the
partial scorers give 90 to any piece containing a two-character alias (`新能源汽车维修` → 维修 → equipment
maintenance), `ratio` weighs the whole piece. Aliases of fewer than 2 characters, or pure ASCII ones of fewer than
3 (`C`, `IP`, `AD`), are not fuzzy candidates: they are inside too many unrelated wordings. The threshold
(warehouse/settings.py SKILL_FUZZY_THRESHOLD) and its precision and recall are in tests/test_skill_matching.py.
"""

from __future__ import annotations

from functools import lru_cache

import duckdb
from rapidfuzz import fuzz, process


def is_fuzzy_candidate(alias: str) -> bool:
    """Whether a folded alias may be matched fuzzily (see the module's docstring)."""
    return len(alias) >= (3 if alias.isascii() else 2)


@lru_cache(maxsize=4)
def _choices(vocabulary: str) -> tuple[list[str], list[str]]:
    """`alias<TAB>skill_id` lines → (aliases, skill ids), fuzzy candidates only (parsed once per vocabulary)."""
    pairs = [line.split("\t") for line in vocabulary.split("\n") if line]
    pairs = [(alias, skill) for alias, skill in pairs if is_fuzzy_candidate(alias)]
    return [a for a, _ in pairs], [s for _, s in pairs]


def best_match(piece: str, vocabulary: str, threshold: float) -> dict | None:
    """The skill whose alias is most like `piece` (already folded), with that alias and the score; None when no
    alias scores `threshold` or more."""
    aliases, skills = _choices(vocabulary)
    found = process.extractOne(piece, aliases, scorer=fuzz.ratio, score_cutoff=threshold)
    if found is None:
        return None
    alias, score, index = found
    return {"skill_id": skills[index], "alias": alias, "score": float(score)}


def register_skill_matching(con: duckdb.DuckDBPyConnection) -> None:
    """Make `skill_fuzzy_match(piece, vocabulary, threshold)` callable in `con`'s database."""
    con.create_function(
        "skill_fuzzy_match", best_match, ["VARCHAR", "VARCHAR", "DOUBLE"],
        "STRUCT(skill_id VARCHAR, alias VARCHAR, score DOUBLE)", null_handling="special",
        side_effects=False,
    )
