-- skill_gap(s, u, m) per catalogue year (docs/metrics.md "Skills and pay"): for each university's major, the
-- skills its employers ask for in at least SKILL_GAP_MIN_SHARE of the major's demand (skill_share in the
-- university's province, the labour market, the same year) and whether its core courses (catalogue 核心课程,
-- facts.curriculum_skills) cover each. `is_gap` is true where the courses are listed and none covers the skill;
-- where the catalogue lists no core courses, `covered` and `is_gap` are NULL (courses_listed false).
-- The skills asked for are those of the positions at the catalogue row's level (培养层次; marts.skill_demand is per
-- level): a bachelor curriculum is held against what employers ask of bachelors.
with catalogue as (
    select year, university_code, major_code, level, province_name,
           nullif(trim(core_courses), '') is not null as courses_listed
    from staging.catalogue
),

asked as (
    select * from marts.skill_demand
    where geography_level = 'province' and skill_share >= getvariable('skill_gap_min_share')
),

taught as (
    select * from facts.curriculum_skills
)

select
    catalogue.year,
    catalogue.university_code,
    u.university_name,
    u.university_name_en,
    catalogue.province_name,
    catalogue.major_code,
    catalogue.level,
    asked.major_name,
    asked.major_name_en,
    asked.skill_id,
    asked.skill_name,
    asked.skill_name_en,
    asked.skill_share,
    asked.skill_demand,
    asked.major_demand,
    asked.positions,
    catalogue.courses_listed,
    case when catalogue.courses_listed then taught.skill_id is not null end as covered,
    taught.courses as covering_courses,
    case when catalogue.courses_listed then taught.skill_id is null end as is_gap
from catalogue
join asked
    on asked.major_code = catalogue.major_code and asked.geography = catalogue.province_name
    and asked.year = catalogue.year and asked.level = catalogue.level
left join taught
    on taught.year = catalogue.year and taught.university_code = catalogue.university_code
    and taught.major_code = catalogue.major_code and taught.skill_id = asked.skill_id
left join reference.universities as u on u.university_code = catalogue.university_code
