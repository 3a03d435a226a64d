-- Files that were in the previous publication and are gone from the landing folder: their rows left the
-- warehouse in this build (rows_removed). A renamed file is not here: its rows stay under the new name.
with files as (
    select * from raw.catalogue__files
    union all select * from raw.survey__files
    union all select * from raw.bases__files
    union all select * from raw.placements__files
)

select file, kind, sha256, rows_loaded as rows_removed, loaded_at
from files
where status = 'removed'
order by kind, file
