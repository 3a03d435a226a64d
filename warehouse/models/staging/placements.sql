-- Internship placements: one row per placement. Students appear only as student_key, the keyed pseudonym
-- computed when the file was read. A placement (student, base, start date) sent again in a later file
-- (a corrected resubmission, in file-name order) replaces the earlier row, so it is never counted twice.
with source as (
    select * from raw.placements
),

latest as (
    select *
    from source
    qualify row_number() over (
        partition by student_key, base_id, start_date order by source_file desc, source_row desc
    ) = 1
)

select
    -- ids
    year,
    student_key,
    university_code,
    major_code,
    base_id,
    -- dates and outcome
    start_date,
    end_date,
    outcome,
    internship_type,
    -- lineage
    source_file,
    source_row
from latest
