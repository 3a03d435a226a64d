-- The pieces of each distinct 技能要求 cell of the survey and the skill each names exactly (docs/metrics.md
-- "Skills and pay"): one row per piece, in the cell's order of pieces (a piece written twice is two rows). The
-- cell is NFKC-folded and split on 、 , ; (full-width ， ； fold to these); a piece that is not a wording of the
-- vocabulary as a whole is split again on / and spaces (`C/C++`, `TCP/IP` and `Spring Boot` are wordings whole;
-- `Java/Python` is two). skill_id is NULL where no wording matched: those pieces go through the fuzzy match
-- (staging.skill_fuzzy_matches). Per distinct cell, not per position: positions mostly repeat a few cells, and
-- staging.survey_skill_pieces and facts.position_skills join them back to the positions that wrote them.
with cells as (
    select distinct skills from staging.survey_positions where skills is not null
),

aliases as (
    select * from staging.skill_aliases
),

coarse as (
    select skills, skill_wording(unnest(regexp_split_to_array(nfkc(skills), '[、,;]'))) as piece
    from cells
),

coarse_matched as (
    select coarse.skills, coarse.piece, aliases.skill_id
    from coarse
    left join aliases on aliases.wording = coarse.piece
    where coarse.piece <> ''
),

fine as (
    select skills, unnest(regexp_split_to_array(piece, '[/\s]+')) as piece
    from coarse_matched
    where skill_id is null
)

select skills, piece, skill_id
from coarse_matched
where skill_id is not null
union all
select fine.skills, fine.piece, aliases.skill_id
from fine
left join aliases on aliases.wording = fine.piece
where fine.piece <> ''
