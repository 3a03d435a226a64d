-- Wordings of 实习类型, 组织方式 and 实习形式 that the normalisation does not recognise, with how many placement
-- rows carry them, for the data page (docs/metrics.md "Internship types"): an
-- unrecognised type counts as a production internship, an unrecognised organisation or mode as unknown.
-- incremental by: year
with unknown as (
    select year, 'internship_type' as column_name, unknown_type_wording as wording, 'production' as counted_as
    from facts.placements where unknown_type_wording is not null
    union all
    select year, 'organisation', unknown_organisation_wording, 'unknown'
    from facts.placements where unknown_organisation_wording is not null
    union all
    select year, 'mode', unknown_mode_wording, 'unknown'
    from facts.placements where unknown_mode_wording is not null
)

select
    year,
    column_name,
    wording,
    counted_as,
    count(*) as placement_rows
from unknown
group by all
order by year, column_name, placement_rows desc, wording
