-- The internship figures of every row of the one roll-up (facts.internship_rollup): per major (major_code)
-- and over all majors (major_code NULL), for the region ('northeast'), each province and each city, per year:
-- docs/metrics.md "Roll-up", "Coverage", "Relevance", "Conversion", "Retention", "Suppression".
-- The ratios come from the macros (macros.sql). marts.internship_by_geography and marts.internship_totals are
-- its two halves, so the figures are written once.
-- incremental by: year
select
    -- ids
    r.geography_level,
    r.geography,
    r.year,
    r.major_code,
    -- counts (placement counts suppressed for small groups)
    r.graduates,
    shown(r.placements, r.placements) as placements,
    shown(r.covered_placements, r.placements) as covered_placements,
    shown(r.placement_rows, r.placements) as placement_rows,
    shown(r.relevant_rows, r.placements) as relevant_rows,
    shown(r.not_relevant_rows, r.placements) as not_relevant_rows,
    shown(r.unknown_relevance_rows, r.placements) as unknown_relevance_rows,
    shown(r.graduation_rows, r.placements) as graduation_rows,
    shown(r.hired_rows, r.placements) as hired_rows,
    shown(r.completed_rows, r.placements) as completed_rows,
    r.employed_in_province,
    r.graduates_reporting_employment,
    -- ratios
    shown(internship_coverage_of(r.covered_placements, r.graduates), r.placements) as coverage,
    shown(internship_relevance_of(r.relevant_rows, r.not_relevant_rows), r.placements) as relevance,
    shown(relevance_unknown_share_of(r.unknown_relevance_rows, r.placement_rows), r.placements)
        as relevance_unknown_share,
    shown(internship_conversion_of(r.hired_rows, r.completed_rows), r.placements) as conversion,
    retention_of(r.employed_in_province, r.graduates_reporting_employment) as retention,
    -- why a ratio is undefined (NULL when it is shown)
    is_small_group(r.placements) as suppressed,
    undefined_because(internship_coverage_of(r.covered_placements, r.graduates), r.placements, r.graduates,
                      'no_graduates') as coverage_undefined,
    undefined_because(internship_relevance_of(r.relevant_rows, r.not_relevant_rows), r.placements,
                      r.relevant_rows + r.not_relevant_rows,
                      case when r.placement_rows > 0 then 'host_division_unknown' else 'no_placements' end)
        as relevance_undefined,
    undefined_because(internship_conversion_of(r.hired_rows, r.completed_rows), r.placements,
                      r.hired_rows + r.completed_rows, 'no_graduation_internships') as conversion_undefined,
    undefined_because(retention_of(r.employed_in_province, r.graduates_reporting_employment), 0,
                      r.graduates_reporting_employment, 'not_reported') as retention_undefined
from facts.internship_rollup as r
order by r.geography_level, r.geography, r.year, r.major_code nulls first
