-- Surveyed demand: one row per (position, required major). A position listing k majors gives headcount / k
-- to each; fractional shares are kept (METRICS.md), as exact decimals to 18 places so that sums do not
-- depend on the order DuckDB's threads add them in (a rebuild gives the same numbers to the last bit).
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
    unnest(major_codes) as major_code,
    -- numerics
    headcount,
    major_count,
    (headcount / major_count)::decimal(38, 18) as demand
from positions
