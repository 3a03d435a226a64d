-- The internship figures of every row of the one roll-up (facts.internship_rollup): per major (major_code)
-- and over all majors of a study level (major_code NULL), per level (专科 / 本科), for the region ('northeast'), each province and each city, per year:
-- docs/metrics.md "Roll-up", "Coverage", "Relevance", "Conversion", "Retention", "Suppression".
-- The figures are those of internship_figures_of (macros.sql), as marts.internship_coverage gives them per
-- university. marts.internship_by_geography and marts.internship_totals are
-- its two halves, so the figures are written once.
-- incremental by: year
select
    -- ids
    r.geography_level,
    r.geography,
    r.year,
    r.level,
    r.major_code,
    r.graduates,
    -- counts (suppressed for small groups), ratios, and why a ratio is undefined (NULL when it is shown)
    unnest(internship_figures_of(
        r.placements, r.covered_placements, r.graduates, r.placement_rows, r.relevant_rows, r.not_relevant_rows,
        r.unknown_relevance_rows, r.graduation_rows, r.hired_rows, r.completed_rows, r.employed_in_province,
        r.graduates_reporting_employment)),
    shown(r.covered_placements, r.placements) as covered_placements,
    r.employed_in_province,
    r.graduates_reporting_employment
from facts.internship_rollup as r
order by r.geography_level, r.geography, r.year, r.level, r.major_code nulls first
