-- The pieces of each position's 技能要求 cell and the skill each names exactly (docs/metrics.md "Skills and
-- pay"). The cell is NFKC-folded and split on 、 , ; (full-width ， ； fold to these); a piece that is not a
-- wording of the vocabulary as a whole is split again on / and spaces (`C/C++`, `TCP/IP` and `Spring Boot` are
-- wordings whole; `Java/Python` is two). skill_id is NULL where no wording matched: those pieces go through the
-- fuzzy match (staging.skill_fuzzy_matches) and, failing it, are listed for data staff (marts.unmatched_skill_pieces).
with positions as (
    select position_id, skills from staging.survey_positions where skills is not null
),

aliases as (
    select * from staging.skill_aliases
),

coarse as (
    select position_id, skill_wording(unnest(regexp_split_to_array(nfkc(skills), '[、,;]'))) as piece
    from positions
),

coarse_matched as (
    select coarse.position_id, coarse.piece, aliases.skill_id
    from coarse
    left join aliases on aliases.wording = coarse.piece
    where coarse.piece <> ''
),

fine as (
    select position_id, unnest(regexp_split_to_array(piece, '[/\s]+')) as piece
    from coarse_matched
    where skill_id is null
)

select position_id, piece, skill_id
from coarse_matched
where skill_id is not null
union all
select fine.position_id, fine.piece, aliases.skill_id
from fine
left join aliases on aliases.wording = fine.piece
where fine.piece <> ''
