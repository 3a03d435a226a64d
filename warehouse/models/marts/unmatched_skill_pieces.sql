-- Survey skill wordings that name no skill of the vocabulary, exactly or fuzzily (docs/metrics.md "Skills and
-- pay"), with how many positions (survey rows) and how much headcount wrote them, per survey year: for data staff
-- to extend sources/reference/skills.csv (the data page lists them). Nothing is dropped silently.
with pieces as (
    select * from staging.survey_skill_pieces where skill_id is null
),

fuzzy as (
    select * from staging.skill_fuzzy_matches
),

positions as (
    select position_id, year, headcount from staging.survey_positions
)

select
    positions.year,
    pieces.piece,
    count(distinct pieces.position_id) as positions,
    sum(positions.headcount) as headcount
from pieces
join positions using (position_id)
left join fuzzy on fuzzy.piece = pieces.piece
where fuzzy.skill_id is null
group by all
