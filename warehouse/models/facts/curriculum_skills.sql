-- What each university's major teaches, from the catalogue's optional 核心课程 (docs/metrics.md "Skills and
-- pay"): one row per (year, university, major, skill) a core course covers, with the courses that cover it. A
-- course covers a skill when its folded title contains one of the skill's course aliases. Catalogue rows
-- without core courses give no rows here (marts.skill_gap then says the courses are not listed).
-- Each distinct course list is matched once (universities and years mostly repeat a major's list), then joined
-- back to the catalogue rows that carry it: matching per catalogue row would repeat the same work for every
-- university and year.
with catalogue as (
    select year, university_code, major_code, core_courses
    from staging.catalogue
    where nullif(trim(core_courses), '') is not null
),

lists as (
    select distinct core_courses from catalogue
),

courses as (
    select core_courses, trim(unnest(regexp_split_to_array(nfkc(core_courses), '[、,;]'))) as course
    from lists
),

course_aliases as (
    select * from staging.skill_course_aliases
),

list_skills as (
    select courses.core_courses, course_aliases.skill_id,
           string_agg(distinct courses.course, '、' order by courses.course) as courses
    from courses
    join course_aliases on contains(skill_wording(courses.course), course_aliases.wording)
    where courses.course <> ''
    group by all
)

select
    catalogue.year,
    catalogue.university_code,
    catalogue.major_code,
    list_skills.skill_id,
    list_skills.courses
from catalogue
join list_skills using (core_courses)
