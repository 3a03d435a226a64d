-- University major catalogue rows, one per (year, university, major, level). When several files give the
-- same key (a resubmission), the one file_precedence ranks first wins: the university's own submission over
-- a data staff file, else the last file in name order (docs/data-contracts.md "Resubmissions").
with source as (
    select * from raw.catalogue
),

latest as (
    select *
    from source
    qualify row_number() over (
        partition by year, university_code, major_code, level
        order by file_precedence(source_file) desc, source_row desc
    ) = 1
)

select
    -- ids
    latest.year,
    latest.university_code,
    latest.major_code,
    latest.level,
    -- where the university is: the register decides, the file's own columns are the fallback
    coalesce(u.province_name, latest.province) as province_name,
    coalesce(u.city_name, latest.city) as city_name,
    -- numerics
    latest.enrolment,
    latest.graduates,
    latest.employed_in_province,
    latest.core_courses,
    -- lineage
    latest.source_file,
    latest.source_row
from latest
left join reference.universities as u using (university_code)
