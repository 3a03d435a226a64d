-- Supply vs demand per GB/T 4754 division, for the region, each province and each city, per year.
-- Supply spreads each major's graduates over divisions by the crosswalk weights; demand is the headcount
-- of positions at enterprises of the division (METRICS.md "Gap (industry level)").
with supply_by_city as (
    select s.province_name, s.city_name, s.year, cw.industry_code,
           sum(s.supply * cw.weight) as supply, bool_or(s.is_projection) as is_projection
    from facts.supply as s
    join reference.major_industry_crosswalk as cw using (major_code)
    group by all
),

positions as (
    select distinct position_id, year, industry_code, province_name, city_name, headcount
    from facts.demand
),

demand_by_city as (
    select province_name, city_name, year, industry_code, sum(headcount) as demand
    from positions
    group by all
),

supply_geo as (
    select 'city' as geography_level, city_name as geography, year, industry_code, supply, is_projection
    from supply_by_city
    union all
    select 'province', province_name, year, industry_code, sum(supply), bool_or(is_projection)
    from supply_by_city group by all
    union all
    select 'region', 'northeast', year, industry_code, sum(supply), bool_or(is_projection)
    from supply_by_city group by all
),

demand_geo as (
    select 'city' as geography_level, city_name as geography, year, industry_code, demand
    from demand_by_city
    union all
    select 'province', province_name, year, industry_code, sum(demand) from demand_by_city group by all
    union all
    select 'region', 'northeast', year, industry_code, sum(demand) from demand_by_city group by all
),

joined as (
    select
        geography_level, geography, year, industry_code,
        -- exact decimals until the shares are taken, so rebuilds agree to the last bit
        coalesce(s.supply, 0)::decimal(38, 10) as supply,
        coalesce(d.demand, 0)::decimal(38, 10) as demand,
        coalesce(s.is_projection, false) as is_projection
    from supply_geo as s
    full outer join demand_geo as d using (geography_level, geography, year, industry_code)
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
    shares.industry_code,
    i.industry_name,
    i.pillar,
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
left join reference.industries as i using (industry_code)
order by geography_level, geography, year, industry_code
