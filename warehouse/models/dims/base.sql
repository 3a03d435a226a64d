-- Internship bases with the enterprise's division and the university they serve.
select
    b.base_id,
    b.base_name,
    b.enterprise_id,
    e.enterprise_name,
    e.industry_code,
    b.university_code,
    b.city_name,
    c.province_name,
    b.established_year,
    b.capacity_per_year
from staging.bases as b
left join dims.enterprise as e on e.enterprise_id = b.enterprise_id
left join reference.cities as c on c.city_name = b.city_name
