-- The university register: the bundled list plus any landing-folder supplement.
select
    u.university_code,
    u.university_name,
    u.university_name_en,
    u.province_name,
    u.city_name,
    c.city_code,
    u.listed_in
from reference.universities as u
left join reference.cities as c using (city_name)
