-- Enterprise survey rows: one per position, with its distinct required majors. An enterprise's answer
-- for a survey year is taken from the one file that has it which file_precedence ranks first (its own
-- submission over a data staff file, else the last in file-name order), so a corrected resubmission replaces
-- the earlier answer instead of adding to it. The province is the city's own.
with source as (
    select * from raw.survey
),

latest as (
    select *
    from source
    qualify file_precedence(source_file) = max(file_precedence(source_file)) over (partition by survey_year, enterprise_id)
)

select
    -- ids
    latest.source_file || '#' || latest.source_row as position_id,
    latest.survey_year as year,
    latest.enterprise_id,
    latest.enterprise_name,
    latest.industry_code,
    coalesce(c.province_name, latest.province) as province_name,
    latest.city as city_name,
    -- position
    latest.position,
    latest.education,
    list_distinct(latest.majors) as major_codes,
    len(list_distinct(latest.majors)) as major_count,
    latest.skills,
    latest.hosts_interns,
    latest.monthly_salary,
    -- numerics
    latest.headcount,
    -- lineage
    latest.source_file,
    latest.source_row
from latest
left join reference.cities as c on c.city_name = latest.city
