-- The skills each survey position names: one row per (position, skill), however many of its pieces name it
-- (docs/metrics.md "Skills and pay"), with how the first was matched (`alias` exactly, `fuzzy` by
-- staging.skill_fuzzy_matches).
with pieces as (
    select * from staging.survey_skill_pieces
),

fuzzy as (
    select * from staging.skill_fuzzy_matches where skill_id is not null
)

select
    pieces.position_id,
    coalesce(pieces.skill_id, fuzzy.skill_id) as skill_id,
    min(case when pieces.skill_id is not null then 'alias' else 'fuzzy' end) as matched_by
from pieces
left join fuzzy on fuzzy.piece = pieces.piece and pieces.skill_id is null
where coalesce(pieces.skill_id, fuzzy.skill_id) is not null
group by all
