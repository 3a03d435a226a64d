-- Placements for the MoE national internship public-service platform (全国大学生实习公共服务平台,
-- sx.chsi.com.cn), aggregated per year, university, internship base, internship type (认识实习 included: the
-- platform collects it), organisation (集中/分散) and mode (现场/虚拟/模拟): docs/metrics.md "Export for the
-- national platform". Students are counted by pseudonym, never listed; a group of 1 to MIN_GROUP_SIZE − 1
-- students shows no counts and no dates ("Suppression"), and says so in `suppressed`.
-- incremental by: year, university_code
with placements as not materialized (
    select * replace (coalesce(organisation, 'unknown') as organisation, coalesce(mode, 'unknown') as mode),
        hash(year, university_code, base_id, internship_type, coalesce(organisation, 'unknown'),
             coalesce(mode, 'unknown'), student_key) as student_hash
    from facts.placements
),

repeated as (
    -- a student with more than one placement in a group: hashes seen more than once, which (rarely) also
    -- gathers different students whose hashes collide (as in marts.base_placements)
    select student_hash from placements group by student_hash having count(*) > 1
),

repeats as (
    -- per group, the placement rows beyond each student's first, counted exactly among those few rows
    select year, university_code, base_id, internship_type, organisation, mode,
           count(student_key) - count(distinct student_key) as repeat_rows
    from placements semi join repeated using (student_hash)
    group by all
),

counted as (
    -- a group's students are its rows less those repeats: a count of rows, much cheaper than grouping
    -- millions of pseudonyms
    select
        year, university_code, base_id, internship_type, organisation, mode,
        count(student_key) as student_rows,
        count(*) as placement_rows,
        count(*) filter (where outcome = 'hired') as hired_rows,
        count(*) filter (where outcome = 'completed') as completed_rows,
        count(*) filter (where outcome = 'dropped') as dropped_rows,
        min(start_date) as first_start,
        max(end_date) as last_end
    from placements
    group by all
),

groups as (
    select c.* exclude (student_rows), (c.student_rows - coalesce(r.repeat_rows, 0))::bigint as students
    from counted as c
    left join repeats as r
        on r.year is not distinct from c.year and r.university_code is not distinct from c.university_code
        and r.base_id is not distinct from c.base_id and r.internship_type is not distinct from c.internship_type
        and r.organisation = c.organisation and r.mode = c.mode
)

select
    -- ids
    g.year,
    g.university_code,
    u.university_name,
    g.base_id,
    b.base_name,
    b.enterprise_id,
    b.enterprise_name,
    b.province_name,
    b.city_name,
    g.internship_type,
    g.organisation,
    g.mode,
    -- counts (suppressed for small groups)
    shown(g.students, g.students) as students,
    shown(g.placement_rows, g.students) as placement_rows,
    shown(g.hired_rows, g.students) as hired_rows,
    shown(g.completed_rows, g.students) as completed_rows,
    shown(g.dropped_rows, g.students) as dropped_rows,
    -- the dates too: a small group's first and last day are its students' own
    shown(g.first_start, g.students) as first_start,
    shown(g.last_end, g.students) as last_end,
    is_small_group(g.students) as suppressed
from groups as g
left join reference.universities as u using (university_code)
left join dims.base as b using (base_id)
order by g.year, g.university_code, g.base_id, g.internship_type, g.organisation, g.mode
