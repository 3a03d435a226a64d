-- Placements at each internship base per year and student major: the counts behind an enterprise's or a
-- university's relevance (专业对口率) and conversion (留用率) in METRICS.md "Internships". Students are
-- counted, never listed.
select
    -- ids
    p.base_id,
    p.enterprise_id,
    p.university_code,
    p.major_code,
    p.year,
    -- counts
    count(distinct p.student_key) as students,
    count(*) as placement_rows,
    count(*) filter (where p.is_relevant) as relevant_rows,
    count(*) filter (where p.outcome = 'hired') as hired_rows,
    count(*) filter (where p.outcome = 'completed') as completed_rows,
    count(*) filter (where p.outcome = 'dropped') as dropped_rows
from facts.placements as p
group by all
order by p.base_id, p.year, p.major_code, p.university_code
