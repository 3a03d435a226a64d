-- Supply vs demand per GB/T 4754 division, for the region, each province and each city, per year.
-- Supply spreads each major's graduates over divisions by the crosswalk weights; demand is the headcount
-- of positions at enterprises of the division, per level (docs/metrics.md "Gap (industry level)"); a city row
-- carries its province's status, or imports (marts.gap_by_geography).
-- (the columns of marts.gap_by_geography, its subject code named for what it is, and the subject's name)
select
    g.* exclude (subject) rename (subject_code as industry_code),
    i.industry_name,
    i.pillar
from marts.gap_by_geography as g
left join reference.industries as i on i.industry_code = g.subject_code
where g.subject = 'industry'
order by g.geography_level, g.geography, g.year, g.level, industry_code
