-- The words that name a skill in a course title (sources/reference/skills.csv course_aliases), folded by
-- skill_wording: a course teaches a skill when its title contains one of them (`PLC原理与应用` → plc). Unlike a
-- survey wording, a course alias may name several skills (a course teaches several).
with skills as (
    select * from reference.skills
),

wordings as (
    select skill_id, unnest(string_split(course_aliases, '|')) as wording from skills
)

select distinct
    skill_id,
    skill_wording(wording) as wording
from wordings
where nullif(trim(wording), '') is not null
