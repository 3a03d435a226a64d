-- The skills each survey position names: one row per (position, skill), however many of its pieces name it
-- (docs/metrics.md "Skills and pay"), with how the first was matched (`alias` exactly, `fuzzy` by
-- staging.skill_fuzzy_matches). A position's pieces are its cell's, so the skills are found once per distinct
-- cell (staging.skill_cell_pieces) and joined to the positions that wrote it.
with positions as (
    select position_id, skills from staging.survey_positions where skills is not null
),

pieces as (
    select * from staging.skill_cell_pieces
),

fuzzy as (
    select * from staging.skill_fuzzy_matches where skill_id is not null
),

cell_skills as (
    select
        pieces.skills,
        coalesce(pieces.skill_id, fuzzy.skill_id) as skill_id,
        min(case when pieces.skill_id is not null then 'alias' else 'fuzzy' end) as matched_by
    from pieces
    left join fuzzy on fuzzy.piece = pieces.piece and pieces.skill_id is null
    where coalesce(pieces.skill_id, fuzzy.skill_id) is not null
    group by all
)

select positions.position_id, cell_skills.skill_id, cell_skills.matched_by
from positions
join cell_skills using (skills)
