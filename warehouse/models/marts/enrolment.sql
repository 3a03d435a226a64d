-- Enrolment and graduates per university, major, level and year, as the catalogues give them: the input of
-- the outlook and what-if (docs/metrics.md "Decision support"), which project supply from enrolment in the
-- session (dashboard/outlook.py) and write nothing back.
-- Every catalogue row, read from staging.catalogue rather than facts.supply: facts.supply keeps only the rows
-- with a supply figure (graduates, or a cohort to project them from), and an empty graduates cell means the
-- graduates are unknown, not that nobody enrolled (a new major's first cohorts, whose enrolment is exactly
-- what the outlook projects its first graduates from).
select
    -- ids
    c.province_name,
    c.university_code,
    u.university_name,
    c.level,
    c.major_code,
    m.major_name,
    c.year,
    -- numerics
    c.enrolment::double as enrolment,
    c.graduates::double as graduates,
    -- the year's graduates are not given (facts.supply projects them where it can)
    c.graduates is null as is_projection
from staging.catalogue as c
left join reference.universities as u using (university_code)
left join reference.majors as m using (major_code)
order by c.province_name, c.university_code, c.level, c.major_code, c.year
