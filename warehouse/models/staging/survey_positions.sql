-- Enterprise survey rows: one per position, with its distinct required majors.
with source as (
    select * from raw.survey
)

select
    -- ids
    source_file || '#' || source_row as position_id,
    survey_year as year,
    enterprise_id,
    enterprise_name,
    industry_code,
    province as province_name,
    city as city_name,
    -- position
    position,
    education,
    list_distinct(majors) as major_codes,
    len(list_distinct(majors)) as major_count,
    skills,
    hosts_interns,
    monthly_salary,
    -- numerics
    headcount,
    -- lineage
    source_file,
    source_row
from source
