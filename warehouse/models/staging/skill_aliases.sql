-- The skills vocabulary's wordings a survey piece is matched against exactly (docs/metrics.md "Skills and pay"):
-- each skill's Chinese name, English name and aliases (sources/reference/skills.csv), folded by skill_wording.
-- A wording names one skill (tests/test_reference_data.py checks the vocabulary for it).
with skills as (
    select * from reference.skills
),

wordings as (
    select skill_id, skill_name as wording from skills
    union all
    select skill_id, skill_name_en from skills
    union all
    select skill_id, unnest(string_split(aliases, '|')) from skills
)

select distinct
    skill_id,
    skill_wording(wording) as wording
from wordings
where nullif(trim(wording), '') is not null
