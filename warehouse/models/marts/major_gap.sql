-- Supply vs demand per major and level, for the region ('northeast'), each province and each city, per year
-- (docs/metrics.md "Gap (major level)"). Shares are within the same geography, level and year; a city row
-- carries its province's status, or imports (marts.gap_by_geography).
select
    -- ids
    g.geography_level,
    g.geography,
    g.year,
    g.level,
    g.subject_code as major_code,
    m.major_name,
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
left join reference.majors as m on m.major_code = g.subject_code
where g.subject = 'major'
order by g.geography_level, g.geography, g.year, g.level, major_code
