-- How majors and industry divisions meet, for the region, each province and each city, per year and study
-- level (专科 / 本科 / 研究生, as the gap marts: a 研究生 position never meets the catalogues' 本科 graduates):
-- `supply` is the major's graduates spread to the division by the crosswalk weight (supply(m) · w(m, d)),
-- `demand` the major's demand shares from positions at enterprises of the division (docs/metrics.md "Demand").
-- Answers "which industries demand this major" and "which majors feed this industry" at the pages' level.
with demand as (
    select major_code, industry_code, level, province_name, city_name, year, sum(demand) as demand
    from facts.demand
    group by all
),

supply as (
    select s.major_code, cw.industry_code, s.level, s.province_name, s.city_name, s.year,
           sum(s.supply * cw.weight) as supply
    from facts.supply as s
    join reference.major_industry_crosswalk as cw using (major_code)
    where cw.weight > 0
    group by all
),

by_city as (
    select major_code, industry_code, level, province_name, city_name, year,
           coalesce(s.supply, 0) as supply, coalesce(d.demand, 0) as demand
    from supply as s
    full outer join demand as d using (major_code, industry_code, level, province_name, city_name, year)
),

by_geography as (
    select 'city' as geography_level, city_name as geography, year, level, major_code, industry_code, supply,
           demand
    from by_city
    union all
    select 'province', province_name, year, level, major_code, industry_code, sum(supply), sum(demand)
    from by_city group by all
    union all
    select 'region', getvariable('region_geography'), year, level, major_code, industry_code, sum(supply),
           sum(demand)
    from by_city group by all
)

select
    -- ids
    geography_level,
    geography,
    year,
    level,
    major_code,
    industry_code,
    -- numerics
    supply::double as supply,
    demand::double as demand
from by_geography
order by geography_level, geography, year, level, major_code, industry_code
