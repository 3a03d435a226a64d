-- Utilisation of each internship base per year: placements (production and graduation internships) starting
-- that year / yearly capacity (docs/metrics.md "Utilisation"); a base with 1 to MIN_GROUP_SIZE − 1
-- students placed shows neither figure ("Suppression"). Every year the data covers from the base's founding
-- on has a row, so an idle base shows 0.
-- incremental by: year
with years as (
    select distinct year from facts.placements
),

placed as (
    select base_id, year, count(*) filter (where is_placement) as placements
    from facts.placements
    group by all
)

select
    -- ids
    b.base_id,
    b.base_name,
    b.enterprise_id,
    b.enterprise_name,
    b.industry_code,
    b.university_code,
    b.province_name,
    b.city_name,
    y.year,
    -- numerics
    b.capacity_per_year as capacity,
    shown(coalesce(p.placements, 0), p.placements) as placements,
    shown(utilisation_of(coalesce(p.placements, 0), b.capacity_per_year), p.placements) as utilisation,
    is_small_group(p.placements) as suppressed
from dims.base as b
cross join years as y
left join placed as p on p.base_id = b.base_id and p.year = y.year
where y.year >= b.established_year or p.placements is not null
order by b.base_id, y.year
