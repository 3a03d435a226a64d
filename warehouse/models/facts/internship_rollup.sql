-- The one roll-up of the internship counts from universities to their city, province and the region
-- ('northeast'), per study level (专科 / 本科, as facts.internship_counts gives it), per major and over all
-- majors of the level (major_code NULL), per year: the sums behind
-- marts.internship_figures (docs/metrics.md "Roll-up").
-- Ratios are ratios of sums. Coverage counts placements only where graduates are known and > 0
-- (covered_placements), retention only graduates whose catalogue gives employed_in_province.
-- incremental by: year
with counts as (
    select * from facts.internship_counts
),

placed_in as (
    select 'city' as geography_level, city_name as geography, * from counts
    union all
    select 'province', province_name, * from counts
    union all
    select 'region', getvariable('region_geography'), * from counts
)

select
    -- ids
    geography_level,
    geography,
    year,
    level,
    major_code,
    -- counts
    coalesce(sum(graduates), 0)::double as graduates,
    sum(placements)::bigint as placements,
    coalesce(sum(placements) filter (where graduates > 0), 0)::bigint as covered_placements,
    sum(placement_rows)::bigint as placement_rows,
    sum(relevant_rows)::bigint as relevant_rows,
    sum(not_relevant_rows)::bigint as not_relevant_rows,
    sum(unknown_relevance_rows)::bigint as unknown_relevance_rows,
    sum(graduation_rows)::bigint as graduation_rows,
    sum(hired_rows)::bigint as hired_rows,
    sum(completed_rows)::bigint as completed_rows,
    sum(dropped_rows)::bigint as dropped_rows,
    sum(cognitive_rows)::bigint as cognitive_rows,
    sum(employed_in_province)::double as employed_in_province,
    sum(graduates) filter (where employed_in_province is not null)::double as graduates_reporting_employment
from placed_in
group by grouping sets ((geography_level, geography, year, level, major_code), (geography_level, geography, year, level))
order by geography_level, geography, year, level, major_code nulls first
