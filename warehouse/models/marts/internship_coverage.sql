-- Internship coverage, relevance (专业对口率), conversion (留用率) and retention (本省就业率) per
-- university, major and year (METRICS.md "Internships"). Ratios are fractions; NULL where undefined.
-- incremental by: year, university_code
with graduates as (
    -- actual graduates only: coverage of a projected cohort would be a guess
    select university_code, major_code, year,
           sum(graduates) as graduates, sum(employed_in_province) as employed_in_province
    from facts.supply
    where not is_projection
    group by all
),

placed as (
    select
        university_code, major_code, year,
        count(distinct student_key) as placements,
        count(*) as placement_rows,
        count(*) filter (where is_relevant) as relevant_rows,
        count(*) filter (where outcome = 'hired') as hired_rows,
        count(*) filter (where outcome = 'completed') as completed_rows,
        count(*) filter (where outcome = 'dropped') as dropped_rows
    from facts.placements
    group by all
),

joined as (
    select
        university_code, major_code, year,
        g.graduates,
        g.employed_in_province,
        coalesce(p.placements, 0) as placements,
        coalesce(p.placement_rows, 0) as placement_rows,
        coalesce(p.relevant_rows, 0) as relevant_rows,
        coalesce(p.hired_rows, 0) as hired_rows,
        coalesce(p.completed_rows, 0) as completed_rows,
        coalesce(p.dropped_rows, 0) as dropped_rows
    from graduates as g
    full outer join placed as p using (university_code, major_code, year)
)

select
    -- ids
    j.university_code,
    u.university_name,
    u.province_name,
    u.city_name,
    j.major_code,
    m.major_name,
    j.year,
    -- counts
    j.graduates,
    j.placements,
    j.placement_rows,
    j.relevant_rows,
    j.hired_rows,
    j.completed_rows,
    j.dropped_rows,
    j.employed_in_province,
    -- ratios
    ratio(j.placements::double, j.graduates) as coverage,
    ratio(j.relevant_rows::double, j.placement_rows) as relevance,
    ratio(j.hired_rows::double, j.hired_rows + j.completed_rows) as conversion,
    ratio(j.employed_in_province::double, j.graduates) as retention
from joined as j
left join reference.universities as u using (university_code)
left join reference.majors as m using (major_code)
order by j.university_code, j.major_code, j.year
