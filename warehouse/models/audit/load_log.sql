-- One row per source file now loaded, with its row counts (rows_read = rows_loaded + rows_quarantined) and
-- what changed since the previous publication: new, unchanged, changed, renamed from <file>, reloaded.
with files as (
    select * from raw.catalogue__files
    union all select * from raw.survey__files
    union all select * from raw.bases__files
    union all select * from raw.placements__files
)

select
    -- ids
    file, kind, sha256,
    -- counts
    rows_read, rows_loaded, rows_quarantined,
    -- notes
    message,
    change,
    loaded_at
from files
where status = 'loaded'
order by kind, file
