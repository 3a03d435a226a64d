-- The pieces of each position's 技能要求 cell and the skill each names exactly (docs/metrics.md "Skills and
-- pay"). The cell is NFKC-folded and split on 、 , ; (full-width ， ； fold to these); a piece that is not a
-- wording of the vocabulary as a whole is split again on / and spaces (`C/C++`, `TCP/IP` and `Spring Boot` are
-- wordings whole; `Java/Python` is two). skill_id is NULL where no wording matched: those pieces go through the
-- fuzzy match (staging.skill_fuzzy_matches) and, failing it, are listed for data staff (marts.unmatched_skill_pieces).
-- Each distinct cell is split and matched once, then joined back to the positions that wrote it: positions
-- mostly repeat a few cells, and splitting per position would fold the same pieces again for each of them.
with positions as (
    select position_id, skills from staging.survey_positions where skills is not null
),

cells as (
    select distinct skills from positions
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
),

cell_pieces as (
    select skills, piece, skill_id
    from coarse_matched
    where skill_id is not null
    union all
    select fine.skills, fine.piece, aliases.skill_id
    from fine
    left join aliases on aliases.wording = fine.piece
    where fine.piece <> ''
)

select positions.position_id, cell_pieces.piece, cell_pieces.skill_id
from positions
join cell_pieces using (skills)
