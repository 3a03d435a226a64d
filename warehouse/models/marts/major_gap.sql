-- Supply vs demand per major and level, for the region ('northeast'), each province and each city, per year
-- (docs/metrics.md "Gap (major level)"). Shares are within the same geography, level and year; a city row
-- carries its province's status, or imports (marts.gap_by_geography).
-- (the columns of marts.gap_by_geography, its subject code named for what it is, and the subject's name)
select
    g.* exclude (subject) rename (subject_code as major_code),
    m.major_name
from marts.gap_by_geography as g
left join reference.majors as m on m.major_code = g.subject_code
where g.subject = 'major'
order by g.geography_level, g.geography, g.year, g.level, major_code
