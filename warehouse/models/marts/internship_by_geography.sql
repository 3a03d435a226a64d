-- Internships per major for the region ('northeast'), each province and each city, per year: the sums
-- behind coverage, relevance (专业对口率), conversion (留用率) and retention (本省就业率) of METRICS.md
-- "Internships", over the universities located in the geography. Ratios are ratios of sums:
-- coverage = Σ placements / Σ graduates over university-majors with graduates (coverage is undefined
-- where graduates are 0, so their placements count in neither); retention = Σ employed_in_province /
-- Σ graduates over university-majors whose catalogue gives employed_in_province.
-- incremental by: year
with by_university as (
    select * from marts.internship_coverage
),

by_city as (
    select
        province_name, city_name, year, major_code,
        sum(graduates) as graduates,
        sum(placements) filter (where graduates > 0) as covered_placements,
        sum(placements) as placements,
        sum(placement_rows) as placement_rows,
        sum(relevant_rows) as relevant_rows,
        sum(hired_rows) as hired_rows,
        sum(completed_rows) as completed_rows,
        sum(employed_in_province) as employed_in_province,
        sum(graduates) filter (where employed_in_province is not null) as graduates_reporting_employment
    from by_university
    group by all
),

by_geography as (
    select 'city' as geography_level, city_name as geography, * exclude (province_name, city_name)
    from by_city
    union all
    select
        'province', province_name, year, major_code,
        sum(graduates), sum(covered_placements), sum(placements), sum(placement_rows), sum(relevant_rows),
        sum(hired_rows), sum(completed_rows), sum(employed_in_province), sum(graduates_reporting_employment)
    from by_city
    group by all
    union all
    select
        'region', getvariable('region_geography'), year, major_code,
        sum(graduates), sum(covered_placements), sum(placements), sum(placement_rows), sum(relevant_rows),
        sum(hired_rows), sum(completed_rows), sum(employed_in_province), sum(graduates_reporting_employment)
    from by_city
    group by all
)

select
    -- ids
    geography_level,
    geography,
    year,
    major_code,
    -- counts
    coalesce(graduates, 0)::double as graduates,
    coalesce(placements, 0)::bigint as placements,
    coalesce(covered_placements, 0)::bigint as covered_placements,
    coalesce(placement_rows, 0)::bigint as placement_rows,
    coalesce(relevant_rows, 0)::bigint as relevant_rows,
    coalesce(hired_rows, 0)::bigint as hired_rows,
    coalesce(completed_rows, 0)::bigint as completed_rows,
    employed_in_province::double as employed_in_province,
    graduates_reporting_employment::double as graduates_reporting_employment,
    -- ratios
    ratio(covered_placements::double, graduates) as coverage,
    ratio(relevant_rows::double, placement_rows) as relevance,
    ratio(hired_rows::double, hired_rows + completed_rows) as conversion,
    ratio(employed_in_province::double, graduates_reporting_employment) as retention
from by_geography
order by geography_level, geography, year, major_code
