"""Matching survey skill wordings to the vocabulary: the fuzzy threshold's precision and recall on a labelled sample
(tests/data/skill_pieces_labelled.csv: wordings job ads use that are no alias of the vocabulary, with the skill a
reader would say they name, or none for the soft requirements ads also list), and the exact matching in SQL."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import duckdb

from sources import settings as source_settings
from sources.folding import register_nfkc
from warehouse import models, settings
from warehouse.skill_matching import best_match, register_skill_matching

SAMPLE = Path(__file__).parent / "data" / "skill_pieces_labelled.csv"
#: the floors the threshold must keep on the sample (measured at 60: precision 0.93, recall 0.94)
PRECISION_FLOOR = 0.90
RECALL_FLOOR = 0.90


def fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def vocabulary_lines() -> str:
    with (source_settings.reference_dir() / "skills.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    lines = {(fold(w), r["skill_id"]) for r in rows
             for w in [r["skill_name"], r["skill_name_en"], *filter(None, r["aliases"].split("|"))]}
    return "".join(f"{w}\t{s}\n" for w, s in sorted(lines))


def test_the_fuzzy_threshold_keeps_precision_and_recall_above_their_floors_on_the_labelled_sample():
    with SAMPLE.open(encoding="utf-8", newline="") as f:
        sample = [(fold(r["piece"]), r["skill_id"] or None) for r in csv.DictReader(f)]
    vocabulary = vocabulary_lines()
    exact = {line.split("\t")[0] for line in vocabulary.splitlines()}
    assert not [p for p, _ in sample if p in exact]  # the sample holds only what the exact match leaves
    found = [(truth, best_match(piece, vocabulary, settings.SKILL_FUZZY_THRESHOLD)) for piece, truth in sample]
    matched = [(truth, m["skill_id"]) for truth, m in found if m is not None]
    correct = sum(1 for truth, skill in matched if truth == skill)
    positives = sum(1 for truth, _ in found if truth is not None)
    precision, recall = correct / len(matched), correct / positives
    assert precision >= PRECISION_FLOOR and recall >= RECALL_FLOOR, (precision, recall)
    # a soft requirement is never taken for a skill
    assert [m for truth, m in found if truth is None and m is not None] == []


def test_a_cell_is_split_and_each_piece_matched_exactly_whole_or_by_its_parts():
    con = duckdb.connect()
    register_nfkc(con)
    register_skill_matching(con)
    models.prepare(con)
    con.execute("CREATE SCHEMA reference; CREATE SCHEMA staging")
    con.execute("CREATE TABLE reference.skills AS SELECT * FROM read_csv(?, all_varchar=true)",
                [str(source_settings.reference_dir() / "skills.csv")])
    con.execute("CREATE TABLE staging.survey_positions AS SELECT * FROM (VALUES "
                "('p1', 'ＰＬＣ、C/C++；Java/Python，吃苦耐劳 西门子PLC编程'), ('p2', NULL)) t(position_id, skills)")
    for name in ("staging.skill_aliases", "staging.skill_cell_pieces", "staging.survey_skill_pieces",
                 "staging.skill_fuzzy_matches"):
        [model] = [m for m in models.discover() if m.table == name]
        con.execute(f"CREATE TABLE {name} AS {model.sql}")
    pieces = dict(con.execute("SELECT piece, skill_id FROM staging.survey_skill_pieces").fetchall())
    assert pieces == {"plc": "plc", "c/c++": "c_cpp", "java": "java", "python": "python", "吃苦耐劳": None,
                      "西门子plc编程": None}
    fuzzy = dict(con.execute("SELECT piece, skill_id FROM staging.skill_fuzzy_matches").fetchall())
    assert fuzzy == {"吃苦耐劳": None, "西门子plc编程": "plc"}
