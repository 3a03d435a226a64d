-- The fuzzy match of every distinct survey piece that names no skill exactly (docs/metrics.md "Skills and pay"):
-- the vocabulary wording most like it by rapidfuzz's ratio, when it scores SKILL_FUZZY_THRESHOLD or more
-- (warehouse/skill_matching.py; the threshold's precision and recall: tests/test_skill_matching.py). One row per
-- distinct piece, never per survey row; skill_id NULL where nothing was close enough.
with unmatched as (
    select distinct piece from staging.skill_cell_pieces where skill_id is null
),

vocabulary as (
    select string_agg(wording || chr(9) || skill_id, chr(10) order by wording) as lines
    from staging.skill_aliases
),

matched as (
    select unmatched.piece,
           skill_fuzzy_match(unmatched.piece, vocabulary.lines, getvariable('skill_fuzzy_threshold')) as m
    from unmatched, vocabulary
)

select piece, m.skill_id, m.alias as matched_wording, m.score
from matched
