-- Which universities' majors teach each skill, by their catalogue's core courses (docs/metrics.md "Skills and
-- pay", Curriculum), with where the university is: for the Skills page ("which universities teach it").
select
    t.skill_id,
    t.year,
    t.university_code,
    u.university_name,
    u.university_name_en,
    u.province_name,
    u.city_name,
    t.major_code,
    m.major_name,
    m.major_name_en,
    -- the major's level in the MoE lists (专科 and 本科 codes never coincide), for the pages' level filter
    m.level,
    t.courses
from facts.curriculum_skills as t
left join reference.universities as u using (university_code)
left join reference.majors as m using (major_code)
