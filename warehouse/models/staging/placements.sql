-- Internship placements: one row per placement row of the files. Students appear only as student_key,
-- the keyed pseudonym computed when the file was read.
with source as (
    select * from raw.placements
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
from source
