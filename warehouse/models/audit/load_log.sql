-- One row per source file now loaded, with its row counts (rows_read = rows_loaded + rows_quarantined) and
-- what changed since the previous publication: new, unchanged, changed, renamed from <file>, reloaded.
-- rows_replaced: of its loaded rows, those another row of the same key replaced (docs/data-contracts.md
-- "Resubmissions"), so they are not in the warehouse's figures: rows_loaded - rows_replaced are.
with files as (
    select * from raw.catalogue__files
    union all select * from raw.survey__files
    union all select * from raw.bases__files
    union all select * from raw.placements__files
),

sent as (
    select 'catalogue' as kind, source_file as file, count(*) as n from raw.catalogue group by all
    union all select 'survey', source_file, count(*) from raw.survey group by all
    union all select 'bases', source_file, count(*) from raw.bases group by all
    union all select 'placements', source_file, count(*) from raw.placements group by all
),

kept as (
    select 'catalogue' as kind, source_file as file, count(*) as n from staging.catalogue group by all
    union all select 'survey', source_file, count(*) from staging.survey_positions group by all
    union all select 'bases', source_file, count(*) from staging.bases group by all
    union all select 'placements', source_file, count(*) from facts.placements group by all
)

select
    -- ids
    file, kind, sha256,
    -- counts
    rows_read, rows_loaded, rows_quarantined,
    coalesce(sent.n, 0) - coalesce(kept.n, 0) as rows_replaced,
    -- notes
    message,
    change,
    loaded_at
from files
left join sent using (kind, file)
left join kept using (kind, file)
where status = 'loaded'
order by kind, file
