-- Enrolment and graduates per university, major, level and year, as the catalogues give them: the input of
-- the outlook and what-if (docs/metrics.md "Decision support"), which project supply from enrolment in the
-- session (dashboard/outlook.py) and write nothing back.
select
    -- ids
    s.province_name,
    s.university_code,
    u.university_name,
    s.level,
    s.major_code,
    m.major_name,
    s.year,
    -- numerics
    s.enrolment::double as enrolment,
    s.graduates::double as graduates,
    s.is_projection
from facts.supply as s
left join reference.universities as u using (university_code)
left join reference.majors as m using (major_code)
order by s.province_name, s.university_code, s.level, s.major_code, s.year
