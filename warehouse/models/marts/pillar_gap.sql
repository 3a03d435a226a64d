-- Supply vs demand per pillar industry (a group of GB/T 4754 divisions, reference.industries.pillar) and
-- level, for the region, each province and each city, per year: the divisions' supply, demand and shares
-- summed (shares are within the geography, level and year, so they add up), alignment and status judged as
-- for one division, a city taking its province's judgement (docs/metrics.md "Gap (industry level)").
with pillars as (
    select distinct pillar, pillar_name from reference.industries
),

summed as (
    select
        geography_level, geography, year, level, market, pillar,
        sum(supply) as supply,
        sum(demand) as demand,
        sum(supply_share) as supply_share,
        sum(demand_share) as demand_share,
        bool_or(is_projection) as is_projection
    from marts.industry_gap
    where pillar is not null
    group by all
),

markets as (
    select
        geography, year, level, pillar,
        supply as market_supply,
        gap_status_reason(level, supply, demand, ratio(demand_share, supply_share)) as market_reason
    from summed
    where geography_level <> 'city'
),

judged as (
    select
        s.*,
        case when s.geography_level = 'city'
             then gap_local_reason(s.supply, s.demand, m.market_supply, m.market_reason)
             else m.market_reason
        end as status_reason
    from summed as s
    join markets as m on m.geography = s.market and m.year = s.year and m.level = s.level and m.pillar = s.pillar
)

select
    -- ids
    s.geography_level,
    s.geography,
    s.year,
    s.level,
    s.pillar,
    p.pillar_name,
    -- numerics
    s.supply,
    s.demand,
    s.demand - s.supply as gap,
    s.supply_share,
    s.demand_share,
    ratio(s.demand_share, s.supply_share) as alignment,
    -- judgement
    s.market,
    gap_status(s.status_reason) as status,
    s.status_reason,
    s.is_projection
from judged as s
left join pillars as p using (pillar)
order by s.geography_level, s.geography, s.year, s.level, s.pillar
