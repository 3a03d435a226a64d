-- Internship placements: one row per placement. Students appear only as student_key, the keyed pseudonym
-- computed when the file was read. A placement (student, base, start date) sent again in a later file
-- (a corrected resubmission, in file-name order) replaces the earlier row, so it is never counted twice.
-- incremental by: year, student_key, base_id, start_date
-- (The year in the delta key adds nothing to the identity, as a row's year is its start date's, a rule of the
-- loader; it lets a delta read only the touched years' rows.)
with source as not materialized (
    -- one 64-bit hash of the placement's identity: grouping millions of rows on it is several times
    -- cheaper than on the 64-character pseudonym
    select *, hash(student_key, base_id, start_date) as placement_hash
    from raw.placements
),

repeated as (
    -- identities seen more than once: the resubmissions (and, rarely, distinct placements whose hashes
    -- collide, which the exact ranking below keeps apart). A placement whose hash is seen once is unique.
    select placement_hash from source group by placement_hash having count(*) > 1
),

latest as (
    select * from source anti join repeated using (placement_hash)
    union all
    select * from (select * from source semi join repeated using (placement_hash))
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
