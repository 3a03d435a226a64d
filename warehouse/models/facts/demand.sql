-- Surveyed demand: one row per (position, required major). A position listing k majors gives headcount / k
-- to each; fractional shares are kept (docs/metrics.md "Demand"), as exact decimals to 18 places so that sums do not
-- depend on the order DuckDB's threads add them in (a rebuild gives the same numbers to the last bit).
-- `level` is the level whose graduates the position counts against (docs/metrics.md "Levels"): the row's
-- minimum level, with 不限 counting toward 专科 (any graduate will do, the first level qualifies).
with positions as (
    select * from staging.survey_positions
)

select
    -- ids
    position_id,
    year,
    enterprise_id,
    industry_code,
    province_name,
    city_name,
    case education when '不限' then '专科' else education end as level,
    unnest(major_codes) as major_code,
    -- numerics
    headcount,
    major_count,
    (headcount / major_count)::decimal(38, 18) as demand
from positions
