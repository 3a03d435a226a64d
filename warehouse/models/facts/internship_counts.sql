-- The counts behind every internship figure, per university, major, study level and year (docs/metrics.md
-- "Internships"): graduates (actual, not projected), placements (distinct students with a production or
-- graduation internship starting in the year; cognitive visits excluded), their relevance and the outcomes of
-- graduation internships. Unsuppressed: the marts turn them into ratios and suppress small groups (macros.sql).
-- `level` (专科 / 本科) is the graduates' catalogue 培养层次, as the gap marts take it, and for placements the
-- level of the student's major in the MoE lists (reference.majors; the placement register names no level), so
-- each level's internship figures set its own placements against its own graduates.
-- incremental by: year, university_code
with graduates as (
    -- actual graduates only: coverage of a projected cohort would be a guess
    select university_code, major_code, level, year,
           sum(graduates) as graduates, sum(employed_in_province) as employed_in_province
    from facts.supply
    where not is_projection
    group by all
),

placed as (
    select
        p.university_code, p.major_code, m.level, p.year,
        count(distinct student_key) filter (where is_placement) as placements,
        count(*) filter (where is_placement) as placement_rows,
        count(*) filter (where is_placement and relevance = 'relevant') as relevant_rows,
        count(*) filter (where is_placement and relevance = 'not_relevant') as not_relevant_rows,
        count(*) filter (where is_placement and relevance = 'unknown') as unknown_relevance_rows,
        count(*) filter (where internship_type = 'graduation') as graduation_rows,
        count(*) filter (where internship_type = 'graduation' and outcome = 'hired') as hired_rows,
        count(*) filter (where internship_type = 'graduation' and outcome = 'completed') as completed_rows,
        count(*) filter (where is_placement and outcome = 'dropped') as dropped_rows,
        count(*) filter (where internship_type = 'cognitive') as cognitive_rows
    from facts.placements as p
    left join reference.majors as m using (major_code)
    group by all
)

select
    -- ids
    university_code,
    u.province_name,
    u.city_name,
    major_code,
    level,
    year,
    -- counts
    g.graduates,
    g.employed_in_province,
    coalesce(p.placements, 0)::bigint as placements,
    coalesce(p.placement_rows, 0)::bigint as placement_rows,
    coalesce(p.relevant_rows, 0)::bigint as relevant_rows,
    coalesce(p.not_relevant_rows, 0)::bigint as not_relevant_rows,
    coalesce(p.unknown_relevance_rows, 0)::bigint as unknown_relevance_rows,
    coalesce(p.graduation_rows, 0)::bigint as graduation_rows,
    coalesce(p.hired_rows, 0)::bigint as hired_rows,
    coalesce(p.completed_rows, 0)::bigint as completed_rows,
    coalesce(p.dropped_rows, 0)::bigint as dropped_rows,
    coalesce(p.cognitive_rows, 0)::bigint as cognitive_rows
from graduates as g
full outer join placed as p using (university_code, major_code, level, year)
left join reference.universities as u using (university_code)
order by university_code, major_code, level, year
