-- Utilisation of each internship base per year: placement rows starting that year / yearly capacity.
-- Every year the data covers from the base's founding on has a row, so an idle base shows 0.
-- incremental by: year
with years as (
    select distinct year from facts.placements
),

placed as (
    select base_id, year, count(*) as placements
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
    coalesce(p.placements, 0) as placements,
    ratio(coalesce(p.placements, 0)::double, b.capacity_per_year) as utilisation
from dims.base as b
cross join years as y
left join placed as p on p.base_id = b.base_id and p.year = y.year
where y.year >= b.established_year or p.placements is not null
order by b.base_id, y.year
