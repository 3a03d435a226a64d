-- Placements (production and graduation internships) at each internship base per year and student major, with
-- their relevance (专业对口率) and graduation internships' outcomes (docs/metrics.md "Relevance",
-- "Conversion"). Students are counted, never listed; a group of 1 to MIN_GROUP_SIZE − 1 students shows no
-- figures ("Suppression").
-- incremental by: year, university_code
with placements as not materialized (
    select *, hash(base_id, university_code, major_code, year, student_key) as student_hash
    from facts.placements
    where is_placement
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
        count(*) filter (where relevance = 'relevant') as relevant_rows,
        count(*) filter (where relevance = 'not_relevant') as not_relevant_rows,
        count(*) filter (where relevance = 'unknown') as unknown_relevance_rows,
        count(*) filter (where internship_type = 'graduation' and outcome = 'hired') as hired_rows,
        count(*) filter (where internship_type = 'graduation' and outcome = 'completed') as completed_rows,
        count(*) filter (where outcome = 'dropped') as dropped_rows
    from placements
    group by all
)

select
    -- ids
    base_id, enterprise_id, university_code, major_code, year,
    -- counts
    shown(students, students) as students,
    shown(placement_rows, students) as placement_rows,
    shown(relevant_rows, students) as relevant_rows,
    shown(not_relevant_rows, students) as not_relevant_rows,
    shown(unknown_relevance_rows, students) as unknown_relevance_rows,
    shown(hired_rows, students) as hired_rows,
    shown(completed_rows, students) as completed_rows,
    shown(dropped_rows, students) as dropped_rows,
    -- ratios
    shown(internship_relevance_of(relevant_rows, not_relevant_rows), students) as relevance,
    shown(relevance_unknown_share_of(unknown_relevance_rows, placement_rows), students) as relevance_unknown_share,
    shown(internship_conversion_of(hired_rows, completed_rows), students) as conversion,
    is_small_group(students) as suppressed
from (
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
    c.not_relevant_rows::bigint as not_relevant_rows,
    c.unknown_relevance_rows::bigint as unknown_relevance_rows,
    c.hired_rows::bigint as hired_rows,
    c.completed_rows::bigint as completed_rows,
    c.dropped_rows::bigint as dropped_rows
from counted as c
left join repeats as r
    on r.base_id is not distinct from c.base_id and r.university_code is not distinct from c.university_code
    and r.major_code is not distinct from c.major_code and r.year is not distinct from c.year
order by c.base_id, c.year, c.major_code, c.university_code
)
