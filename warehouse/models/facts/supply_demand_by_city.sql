-- Supply and demand per city, level and year, for both subjects the gap marts judge: majors, and industry
-- divisions (a major's graduates spread over divisions by the crosswalk weights; a division's demand is
-- the headcount of positions at its enterprises). One long table, so the geography roll-up, shares and
-- status (marts/gap_by_geography.sql) are written once for both. A major's graduates are of the
-- catalogue's level (培养层次); a position's demand is of its minimum level (facts.demand), so each level's
-- supply meets only its own level's demand (docs/metrics.md "Levels").
with major_supply as (
    select 'major' as subject, major_code as subject_code, level, province_name, city_name, year,
           sum(supply) as supply, bool_or(is_projection) as is_projection
    from facts.supply
    group by all
),

major_demand as (
    select 'major' as subject, major_code as subject_code, level, province_name, city_name, year,
           sum(demand) as demand
    from facts.demand
    group by all
),

industry_supply as (
    select 'industry' as subject, cw.industry_code as subject_code, s.level, s.province_name, s.city_name, s.year,
           sum(s.supply * cw.weight) as supply, bool_or(s.is_projection) as is_projection
    from facts.supply as s
    join reference.major_industry_crosswalk as cw using (major_code)
    group by all
),

positions as (
    select distinct position_id, year, industry_code, level, province_name, city_name, headcount
    from facts.demand
),

industry_demand as (
    select 'industry' as subject, industry_code as subject_code, level, province_name, city_name, year,
           sum(headcount) as demand
    from positions
    group by all
),

supply as (
    select * from major_supply union all select * from industry_supply
),

demand as (
    select * from major_demand union all select * from industry_demand
)

select
    subject, subject_code, level, province_name, city_name, year,
    -- exact decimals until the shares are taken, so rebuilds agree to the last bit
    coalesce(s.supply, 0)::decimal(38, 18) as supply,
    coalesce(d.demand, 0)::decimal(38, 18) as demand,
    coalesce(s.is_projection, false) as is_projection
from supply as s
full outer join demand as d using (subject, subject_code, level, province_name, city_name, year)
