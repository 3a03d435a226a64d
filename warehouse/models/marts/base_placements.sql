-- Placements at each internship base per year and student major: the counts behind an enterprise's or a
-- university's relevance (专业对口率) and conversion (留用率) in METRICS.md "Internships". Students are
-- counted, never listed.
-- incremental by: year, university_code
with placements as not materialized (
    select *, hash(base_id, university_code, major_code, year, student_key) as student_hash
    from facts.placements
),

repeated as (
    -- a student with more than one placement in a group (at one base, in one year and major): hashes seen
    -- more than once, which (rarely) also gathers different students whose hashes collide
    select student_hash from placements group by student_hash having count(*) > 1
),

repeats as (
    -- per group, the placement rows beyond each student's first, counted exactly among those few rows
    select base_id, university_code, major_code, year,
           count(student_key) - count(distinct student_key) as repeat_rows
    from placements semi join repeated using (student_hash)
    group by all
),

counted as (
    -- a student's rows are the group's rows less those repeats: counting distinct students is then a count of
    -- rows, which is much cheaper than grouping millions of pseudonyms
    select
        base_id, enterprise_id, university_code, major_code, year,
        count(student_key) as student_rows,
        count(*) as placement_rows,
        count(*) filter (where is_relevant) as relevant_rows,
        count(*) filter (where outcome = 'hired') as hired_rows,
        count(*) filter (where outcome = 'completed') as completed_rows,
        count(*) filter (where outcome = 'dropped') as dropped_rows
    from placements
    group by all
)

select
    -- ids
    c.base_id,
    c.enterprise_id,
    c.university_code,
    c.major_code,
    c.year,
    -- counts
    (c.student_rows - coalesce(r.repeat_rows, 0))::bigint as students,
    c.placement_rows::bigint as placement_rows,
    c.relevant_rows::bigint as relevant_rows,
    c.hired_rows::bigint as hired_rows,
    c.completed_rows::bigint as completed_rows,
    c.dropped_rows::bigint as dropped_rows
from counted as c
left join repeats as r
    on r.base_id is not distinct from c.base_id and r.university_code is not distinct from c.university_code
    and r.major_code is not distinct from c.major_code and r.year is not distinct from c.year
order by c.base_id, c.year, c.major_code, c.university_code
