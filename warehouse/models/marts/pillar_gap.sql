-- Supply vs demand per pillar industry (a group of GB/T 4754 divisions, reference.industries.pillar), for
-- the region, each province and each city, per year: the divisions' supply, demand and shares summed
-- (shares are within the geography and year, so they add up), alignment and status judged as for one
-- division (METRICS.md "Gap (industry level)").
with pillars as (
    select distinct pillar, pillar_name from reference.industries
),

summed as (
    select
        geography_level, geography, year, pillar,
        sum(supply) as supply,
        sum(demand) as demand,
        sum(supply_share) as supply_share,
        sum(demand_share) as demand_share,
        bool_or(is_projection) as is_projection
    from marts.industry_gap
    where pillar is not null
    group by all
)

select
    -- ids
    s.geography_level,
    s.geography,
    s.year,
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
    gap_status(gap_status_reason(s.supply, s.demand, ratio(s.demand_share, s.supply_share))) as status,
    gap_status_reason(s.supply, s.demand, ratio(s.demand_share, s.supply_share)) as status_reason,
    s.is_projection
from summed as s
left join pillars as p using (pillar)
order by s.geography_level, s.geography, s.year, s.pillar
