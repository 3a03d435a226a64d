-- What each university's major teaches, from the catalogue's optional 核心课程 (docs/metrics.md "Skills and
-- pay"): one row per (year, university, major, skill) a core course covers, with the courses that cover it. A
-- course covers a skill when its folded title contains one of the skill's course aliases. Catalogue rows
-- without core courses give no rows here (marts.skill_gap then says the courses are not listed).
-- The titles are matched once each (a few hundred distinct titles against the aliases), then joined back to
-- the catalogue rows by title: matching per catalogue row would repeat the same comparisons for every
-- university and year.
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

titles as (
    select distinct course, skill_wording(course) as folded
    from courses
    where course <> ''
),

course_aliases as (
    select * from staging.skill_course_aliases
),

title_skills as (
    select titles.course, course_aliases.skill_id
    from titles
    join course_aliases on contains(titles.folded, course_aliases.wording)
)

select
    courses.year,
    courses.university_code,
    courses.major_code,
    title_skills.skill_id,
    string_agg(distinct courses.course, '、' order by courses.course) as courses
from courses
join title_skills using (course)
group by all
