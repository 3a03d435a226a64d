-- Pay (docs/metrics.md "Skills and pay"): the headcount-weighted quartiles of 月薪 over the survey positions that
-- give one, per breakdown — a major (rows demanding it), a division (rows of its enterprises), a skill (rows
-- naming it) and a division's skill — per geography (city, province, region) and survey year. Each position
-- counts with its whole headcount (every person hired is paid the salary). Fewer than MIN_SALARY_POSITIONS
-- positions: the figures are NULL and `suppressed` (macro salary_shown). Trend: the median the year before and
-- its change.
with positions as (
    select position_id, year, province_name, city_name, industry_code, major_codes, headcount, monthly_salary
    from staging.survey_positions
    where monthly_salary is not null and headcount > 0
),

position_skills as (
    select position_id, skill_id from facts.position_skills
),

keyed as (
    select 'major' as breakdown, unnest(major_codes) as major_code, NULL::VARCHAR as industry_code,
           NULL::VARCHAR as skill_id, year, province_name, city_name, headcount, monthly_salary
    from positions
    union all
    select 'division', NULL, industry_code, NULL, year, province_name, city_name, headcount, monthly_salary
    from positions
    union all
    select 'skill', NULL, NULL, s.skill_id, p.year, p.province_name, p.city_name, p.headcount, p.monthly_salary
    from positions as p join position_skills as s using (position_id)
    union all
    select 'division_skill', NULL, p.industry_code, s.skill_id, p.year, p.province_name, p.city_name, p.headcount,
           p.monthly_salary
    from positions as p join position_skills as s using (position_id)
),

by_salary as (
    select breakdown, major_code, industry_code, skill_id, year,
           case when grouping(city_name) = 0 then 'city' when grouping(province_name) = 0 then 'province'
                else 'region' end as geography_level,
           case when grouping(city_name) = 0 then city_name when grouping(province_name) = 0 then province_name
                else getvariable('region_geography') end as geography,
           monthly_salary,
           sum(headcount) as headcount,
           count(*) as positions
    from keyed
    group by grouping sets (
        (breakdown, major_code, industry_code, skill_id, year, province_name, city_name, monthly_salary),
        (breakdown, major_code, industry_code, skill_id, year, province_name, monthly_salary),
        (breakdown, major_code, industry_code, skill_id, year, monthly_salary))
),

running as (
    select *,
           sum(headcount) over salary_order as cumulative,
           sum(headcount) over whole_group as total
    from by_salary
    window salary_order as (partition by breakdown, major_code, industry_code, skill_id, geography_level, geography,
                                         year order by monthly_salary rows between unbounded preceding and current row),
           whole_group as (partition by breakdown, major_code, industry_code, skill_id, geography_level, geography, year)
),

quartiles as (
    select breakdown, major_code, industry_code, skill_id, geography_level, geography, year,
           sum(positions) as positions,
           any_value(total) as headcount,
           weighted_quantile(monthly_salary, cumulative, total, 0.25) as salary_p25,
           weighted_quantile(monthly_salary, cumulative, total, 0.5) as salary_median,
           weighted_quantile(monthly_salary, cumulative, total, 0.75) as salary_p75
    from running
    group by all
),

shown as (
    select breakdown, major_code, industry_code, skill_id, geography_level, geography, year, positions, headcount,
           not salary_shown(positions) as suppressed,
           case when salary_shown(positions) then salary_p25 end as salary_p25,
           case when salary_shown(positions) then salary_median end as salary_median,
           case when salary_shown(positions) then salary_p75 end as salary_p75
    from quartiles
)

select
    shown.*,
    k.skill_name,
    k.skill_name_en,
    previous.salary_median as salary_median_previous,
    shown.salary_median - previous.salary_median as salary_median_change
from shown
left join reference.skills as k on k.skill_id = shown.skill_id
left join shown as previous
    on previous.breakdown = shown.breakdown
    and previous.major_code is not distinct from shown.major_code
    and previous.industry_code is not distinct from shown.industry_code
    and previous.skill_id is not distinct from shown.skill_id
    and previous.geography_level = shown.geography_level and previous.geography = shown.geography
    and previous.year = shown.year - 1
