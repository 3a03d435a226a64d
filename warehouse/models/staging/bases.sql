-- Internship bases, one per base_id; when several files list a base, the one file_precedence ranks first wins:
-- the university's own submission over a data staff file, else the last file in name order.
with source as (
    select * from raw.bases
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
qualify row_number() over (partition by base_id order by file_precedence(source_file) desc, source_row desc) = 1
