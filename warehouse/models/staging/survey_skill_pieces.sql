-- The pieces of each position's 技能要求 cell and the skill each names exactly (docs/metrics.md "Skills and
-- pay"): its cell's pieces (staging.skill_cell_pieces, where the cell is split and matched). skill_id is NULL
-- where no wording matched: those pieces go through the fuzzy match (staging.skill_fuzzy_matches) and, failing
-- it, are listed for data staff (marts.unmatched_skill_pieces).
with positions as (
    select position_id, skills from staging.survey_positions where skills is not null
)

select positions.position_id, cell_pieces.piece, cell_pieces.skill_id
from positions
join staging.skill_cell_pieces as cell_pieces using (skills)
