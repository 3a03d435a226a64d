-- Internship placements with the base's enterprise division and whether it fits the student's major
-- (relevant = the crosswalk gives the major a weight in that division, METRICS.md "relevance").
-- incremental by: year, student_key, base_id, start_date
with placements as (
    select * from staging.placements
),

crosswalk as (
    select major_code, industry_code from reference.major_industry_crosswalk where weight > 0
)

select
    -- ids
    p.year,
    p.student_key,
    p.university_code,
    p.major_code,
    p.base_id,
    b.enterprise_id,
    b.industry_code as base_industry_code,
    u.province_name,
    u.city_name,
    -- facts
    p.start_date,
    p.end_date,
    p.outcome,
    p.internship_type,
    cw.major_code is not null as is_relevant
from placements as p
left join dims.base as b using (base_id)
left join reference.universities as u on u.university_code = p.university_code
left join crosswalk as cw on cw.major_code = p.major_code and cw.industry_code = b.industry_code
