-- Files that could not be loaded at all (missing required columns, unreadable, same content as another
-- file), with the message data staff need to fix them. Their rows are in no other table.
with files as (
    select * from raw.catalogue__files
    union all select * from raw.survey__files
    union all select * from raw.bases__files
    union all select * from raw.placements__files
)

select file, kind, sha256, message as reason, loaded_at as seen_at
from files
where status = 'rejected'
order by kind, file
