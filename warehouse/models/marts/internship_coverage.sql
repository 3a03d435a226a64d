-- Internship coverage, relevance (专业对口率, with the share of unknown relevance), conversion (留用率) and
-- retention (本省就业率) per university, major and year: docs/metrics.md "Coverage",
-- "Relevance", "Conversion", "Retention" and "Suppression". Each formula is a macro (macros.sql) over the
-- counts of facts.internship_counts. Ratios are fractions; NULL where undefined, with the reason in
-- *_undefined. A group of fewer than MIN_GROUP_SIZE students placed is suppressed: its placement figures are
-- NULL ('suppressed'); graduates, employed_in_province and retention come from the catalogue and are shown.
-- incremental by: year, university_code
with counts as (
    select * from facts.internship_counts
)

select
    -- ids
    c.university_code,
    u.university_name,
    c.province_name,
    c.city_name,
    c.major_code,
    m.major_name,
    c.year,
    -- counts (placement counts suppressed for small groups)
    c.graduates,
    shown(c.placements, c.placements) as placements,
    shown(c.placement_rows, c.placements) as placement_rows,
    shown(c.relevant_rows, c.placements) as relevant_rows,
    shown(c.not_relevant_rows, c.placements) as not_relevant_rows,
    shown(c.unknown_relevance_rows, c.placements) as unknown_relevance_rows,
    shown(c.graduation_rows, c.placements) as graduation_rows,
    shown(c.hired_rows, c.placements) as hired_rows,
    shown(c.completed_rows, c.placements) as completed_rows,
    shown(c.dropped_rows, c.placements) as dropped_rows,
    c.employed_in_province,
    -- ratios
    shown(internship_coverage_of(c.placements, c.graduates), c.placements) as coverage,
    shown(internship_relevance_of(c.relevant_rows, c.not_relevant_rows), c.placements) as relevance,
    shown(relevance_unknown_share_of(c.unknown_relevance_rows, c.placement_rows), c.placements)
        as relevance_unknown_share,
    shown(internship_conversion_of(c.hired_rows, c.completed_rows), c.placements) as conversion,
    retention_of(c.employed_in_province, c.graduates) as retention,
    -- why a ratio is undefined (NULL when it is shown)
    is_small_group(c.placements) as suppressed,
    undefined_because(internship_coverage_of(c.placements, c.graduates), c.placements, c.graduates,
                      'no_graduates') as coverage_undefined,
    undefined_because(internship_relevance_of(c.relevant_rows, c.not_relevant_rows), c.placements,
                      c.relevant_rows + c.not_relevant_rows,
                      case when c.placement_rows > 0 then 'host_division_unknown' else 'no_placements' end)
        as relevance_undefined,
    undefined_because(internship_conversion_of(c.hired_rows, c.completed_rows), c.placements,
                      c.hired_rows + c.completed_rows, 'no_graduation_internships') as conversion_undefined,
    undefined_because(retention_of(c.employed_in_province, c.graduates), 0, c.employed_in_province,
                      'not_reported') as retention_undefined
from counts as c
left join reference.universities as u using (university_code)
left join reference.majors as m using (major_code)
order by c.university_code, c.major_code, c.year
