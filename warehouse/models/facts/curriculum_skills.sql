-- What each university's major teaches, from the catalogue's optional 核心课程 (docs/metrics.md "Skills and
-- pay"): one row per (year, university, major, skill) a core course covers, with the courses that cover it. A
-- course covers a skill when its folded title contains one of the skill's course aliases. Catalogue rows
-- without core courses give no rows here (marts.skill_gap then says the courses are not listed).
with catalogue as (
    select year, university_code, major_code, core_courses
    from staging.catalogue
    where nullif(trim(core_courses), '') is not null
),

courses as (
    select year, university_code, major_code,
           trim(unnest(regexp_split_to_array(nfkc(core_courses), '[、,;]'))) as course
    from catalogue
),

course_aliases as (
    select * from staging.skill_course_aliases
)

select
    courses.year,
    courses.university_code,
    courses.major_code,
    course_aliases.skill_id,
    string_agg(distinct courses.course, '、' order by courses.course) as courses
from courses
join course_aliases on contains(skill_wording(courses.course), course_aliases.wording)
where courses.course <> ''
group by all
