-- Supply vs demand per GB/T 4754 division, for the region, each province and each city, per year.
-- Supply spreads each major's graduates over divisions by the crosswalk weights; demand is the headcount
-- of positions at enterprises of the division, per level (docs/metrics.md "Gap (industry level)"); a city row
-- carries its province's status, or imports (marts.gap_by_geography).
select
    -- ids
    g.geography_level,
    g.geography,
    g.year,
    g.level,
    g.subject_code as industry_code,
    i.industry_name,
    i.pillar,
    -- numerics
    g.supply,
    g.demand,
    g.gap,
    g.supply_share,
    g.demand_share,
    g.alignment,
    -- judgement
    g.market,
    g.status,
    g.status_reason,
    g.is_projection
from marts.gap_by_geography as g
left join reference.industries as i on i.industry_code = g.subject_code
where g.subject = 'industry'
order by g.geography_level, g.geography, g.year, g.level, industry_code
