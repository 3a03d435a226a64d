-- Rows that broke a rule: the file, the row as a spreadsheet numbers it (header = 1), the column, the reason
-- and the row as written (JSON; placement rows carry a student pseudonym, never the student number).
with quarantined as (
    select * from raw.catalogue__quarantine
    union all select * from raw.survey__quarantine
    union all select * from raw.bases__quarantine
    union all select * from raw.placements__quarantine
)

select file, kind, source_row as row_number, column_name, reason, raw_row
from quarantined
order by kind, file, row_number
