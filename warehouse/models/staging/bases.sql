-- Internship bases, one per base_id; when several files list a base, the one file_precedence ranks first wins:
-- the university's own submission over a data staff file, else the last file in name order.
-- A submission may only replace its own university's base: a base belongs to the university the data staff's
-- register gives it (their last file that lists it), else to the university that submitted it first, and another
-- university's submission of that base id is never kept (it counts in audit.load_log.rows_replaced). Without
-- this, any university could take over another's base, and with it that base's placements.
with source as (
    select *, regexp_matches(source_file, getvariable('own_submission_files')) as submitted
    from raw.bases
),

owners as (
    select
        base_id,
        coalesce(
            arg_max(university_code, (source_file, source_row)) filter (where not submitted),
            arg_min(university_code, (source_file, source_row)) filter (where submitted)
        ) as owner_code
    from source
    group by base_id
)

select
    base_id,
    base_name,
    enterprise_id,
    university_code,
    city as city_name,
    established_year,
    capacity_per_year,
    source_file,
    source_row
from source
join owners using (base_id)
where not submitted or university_code = owner_code
qualify row_number() over (partition by base_id order by file_precedence(source_file) desc, source_row desc) = 1
