-- Placements at each internship base per year and student major: the counts behind an enterprise's or a
-- university's relevance (专业对口率) and conversion (留用率) in METRICS.md "Internships". Students are
-- counted, never listed.
-- incremental by: year, university_code
with per_student as (
    -- one row per student and group first: counting distinct students is then a count of rows, which is
    -- much cheaper than count(distinct) over millions of pseudonyms
    select
        base_id, enterprise_id, university_code, major_code, year, student_key,
        count(*) as placement_rows,
        count(*) filter (where is_relevant) as relevant_rows,
        count(*) filter (where outcome = 'hired') as hired_rows,
        count(*) filter (where outcome = 'completed') as completed_rows,
        count(*) filter (where outcome = 'dropped') as dropped_rows
    from facts.placements
    group by all
)

select
    -- ids
    base_id,
    enterprise_id,
    university_code,
    major_code,
    year,
    -- counts
    count(student_key)::bigint as students,
    sum(placement_rows)::bigint as placement_rows,
    sum(relevant_rows)::bigint as relevant_rows,
    sum(hired_rows)::bigint as hired_rows,
    sum(completed_rows)::bigint as completed_rows,
    sum(dropped_rows)::bigint as dropped_rows
from per_student
group by all
order by base_id, year, major_code, university_code
