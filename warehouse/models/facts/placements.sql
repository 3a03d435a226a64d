-- Internship placements, one row per placement, with the base's enterprise division, the normalised type,
-- organisation and mode (the wording kept where it was not recognised), and whether it fits the student's
-- major: docs/metrics.md "Internship types" and "Relevance" (macros.sql). Students appear only
-- as student_key, the keyed pseudonym computed when the file was read.
-- A placement (student, base, start date) sent again in a later file (a corrected resubmission, in file-name
-- order) replaces the earlier row, so it is never counted twice; a university's own submission replaces a data
-- staff file's row whatever their order (file_precedence).
-- incremental by: year, student_key, base_id, start_date
-- (The year in the delta key adds nothing to the identity, as a row's year is its start date's, a rule of the
-- loader; it lets a delta read only the touched years' rows.)
-- The placements have no staging table of their own: the resubmissions are settled in the CTEs below and the
-- rows written once, as a second table of every placement cost full and incremental builds a whole extra
-- write of the largest table (benchmarks/RESULTS.md).
with source as not materialized (
    -- one 64-bit hash of the placement's identity: grouping millions of rows on it is several times
    -- cheaper than on the pseudonym
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
        partition by student_key, base_id, start_date order by file_precedence(source_file) desc, source_row desc
    ) = 1
),

crosswalk as (
    select major_code, industry_code from reference.major_industry_crosswalk where weight > 0
),

host_majors as (
    select enterprise_id, major_code from dims.host_majors
),

-- The wordings are normalised once per distinct wording: millions of placements share a handful of them, and
-- matching each row's text against the patterns of macros.sql would cost more than the rest of the model.
types as (
    select wording,
        internship_type_counted(wording) as internship_type,
        is_placement(internship_type_counted(wording)) as is_placement,
        case when internship_type_of(wording) is null then wording end as unknown_wording
    from (select distinct internship_type as wording from source)
),

organisations as (
    select wording,
        internship_organisation_of(wording) as organisation,
        case when internship_organisation_of(wording) is null then wording end as unknown_wording
    from (select distinct organisation as wording from source)
),

modes as (
    select wording,
        internship_mode_of(wording) as mode,
        case when internship_mode_of(wording) is null then wording end as unknown_wording
    from (select distinct mode as wording from source)
)

select
    -- ids
    p.year,
    p.student_key,
    p.university_code,
    p.major_code,
    p.base_id,
    b.enterprise_id,
    b.industry_code as base_industry_code,
    u.province_name,
    u.city_name,
    -- facts
    p.start_date,
    p.end_date,
    p.outcome,
    t.internship_type,
    t.is_placement,
    o.organisation,
    m.mode,
    placement_relevance(b.industry_code, cw.major_code is not null, hm.major_code is not null) as relevance,
    -- wordings not recognised, for marts.internship_wordings (NULL when recognised or not given)
    t.unknown_wording as unknown_type_wording,
    o.unknown_wording as unknown_organisation_wording,
    m.unknown_wording as unknown_mode_wording,
    -- lineage: the file and row each placement was last sent in
    p.source_file,
    p.source_row
from latest as p
left join dims.base as b using (base_id)
left join reference.universities as u on u.university_code = p.university_code
left join crosswalk as cw on cw.major_code = p.major_code and cw.industry_code = b.industry_code
left join host_majors as hm on hm.enterprise_id = b.enterprise_id and hm.major_code = p.major_code
left join types as t on t.wording is not distinct from p.internship_type
left join organisations as o on o.wording is not distinct from p.organisation
left join modes as m on m.wording is not distinct from p.mode
