-- Supply vs demand of every major and industry division, for the region ('northeast'), each province
-- and each city, per year: gap, shares within the same geography and year, alignment and status
-- (METRICS.md "Gap"). marts.major_gap and marts.industry_gap are its two halves with names attached.
with by_city as (
    select * from facts.supply_demand_by_city
),

by_geography as (
    select subject, subject_code, 'city' as geography_level, city_name as geography, year,
           supply, demand, is_projection
    from by_city
    union all
    select subject, subject_code, 'province', province_name, year, sum(supply), sum(demand), bool_or(is_projection)
    from by_city group by all
    union all
    select subject, subject_code, 'region', getvariable('region_geography'), year, sum(supply), sum(demand), bool_or(is_projection)
    from by_city group by all
),

shares as (
    select
        *,
        ratio(supply, sum(supply) over geo_year) as supply_share,
        ratio(demand, sum(demand) over geo_year) as demand_share
    from by_geography
    window geo_year as (partition by subject, geography_level, geography, year)
),

judged as (
    select
        * exclude (is_projection),
        gap_status_reason(supply, demand, ratio(demand_share, supply_share)) as status_reason,
        -- every share depends on the whole geography-year, so one projected figure flags all its rows
        bool_or(is_projection) over (partition by subject, geography_level, geography, year) as is_projection
    from shares
)

select
    -- ids
    subject,
    subject_code,
    geography_level,
    geography,
    year,
    -- numerics
    supply::double as supply,
    demand::double as demand,
    (demand - supply)::double as gap,
    supply_share,
    demand_share,
    ratio(demand_share, supply_share) as alignment,
    -- judgement
    gap_status(status_reason) as status,
    status_reason,
    is_projection
from judged
