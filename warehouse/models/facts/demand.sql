-- Surveyed demand: one row per (position, required major). A position listing k majors gives headcount / k
-- to each; fractional shares are kept (METRICS.md).
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
    headcount / major_count as demand
from positions
