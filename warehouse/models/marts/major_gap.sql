-- Supply vs demand per major, for the region ('northeast'), each province and each city, per year.
-- Shares are within the same geography and year; status per METRICS.md.
with supply_by_city as (
    select province_name, city_name, year, major_code, sum(supply) as supply, bool_or(is_projection) as is_projection
    from facts.supply
    group by all
),

demand_by_city as (
    select province_name, city_name, year, major_code, sum(demand) as demand
    from facts.demand
    group by all
),

supply_geo as (
    select 'city' as geography_level, city_name as geography, year, major_code, supply, is_projection
    from supply_by_city
    union all
    select 'province', province_name, year, major_code, sum(supply), bool_or(is_projection)
    from supply_by_city group by all
    union all
    select 'region', 'northeast', year, major_code, sum(supply), bool_or(is_projection)
    from supply_by_city group by all
),

demand_geo as (
    select 'city' as geography_level, city_name as geography, year, major_code, demand
    from demand_by_city
    union all
    select 'province', province_name, year, major_code, sum(demand) from demand_by_city group by all
    union all
    select 'region', 'northeast', year, major_code, sum(demand) from demand_by_city group by all
),

joined as (
    select
        geography_level, geography, year, major_code,
        -- exact decimals until the shares are taken, so rebuilds agree to the last bit
        coalesce(s.supply, 0)::decimal(38, 10) as supply,
        coalesce(d.demand, 0)::decimal(38, 10) as demand,
        coalesce(s.is_projection, false) as is_projection
    from supply_geo as s
    full outer join demand_geo as d using (geography_level, geography, year, major_code)
),

shares as (
    select
        *,
        ratio(supply, sum(supply) over geo_year) as supply_share,
        ratio(demand, sum(demand) over geo_year) as demand_share
    from joined
    window geo_year as (partition by geography_level, geography, year)
)

select
    -- ids
    geography_level,
    geography,
    year,
    shares.major_code,
    m.major_name,
    -- numerics
    supply::double as supply,
    demand::double as demand,
    (demand - supply)::double as gap,
    supply_share,
    demand_share,
    ratio(demand_share, supply_share) as alignment,
    -- judgement
    gap_status(supply, demand, ratio(demand_share, supply_share)) as status,
    gap_status_reason(supply, demand, ratio(demand_share, supply_share)) as status_reason,
    is_projection
from shares
left join reference.majors as m using (major_code)
order by geography_level, geography, year, major_code
