-- Supply vs demand per major, for the region ('northeast'), each province and each city, per year.
-- Shares are within the same geography and year; status per METRICS.md.
select
    -- ids
    g.geography_level,
    g.geography,
    g.year,
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
    g.status,
    g.status_reason,
    g.is_projection
from marts.gap_by_geography as g
left join reference.majors as m on m.major_code = g.subject_code
where g.subject = 'major'
order by g.geography_level, g.geography, g.year, major_code
