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

-- the rows of each breakdown, city and salary, counted once: a province's or the region's counts are the sums
-- of their cities' (a position is of one city). The skill breakdowns share one join of positions and skills.
skill_positions as (
    select s.skill_id, p.industry_code, p.year, p.province_name, p.city_name, p.monthly_salary,
           sum(p.headcount) as headcount, count(*) as positions
    from positions as p join position_skills as s using (position_id)
    group by all
),

major_positions as (
    select unnest(major_codes) as major_code, year, province_name, city_name, headcount, monthly_salary
    from positions
),

by_city as (
    select 'major' as breakdown, major_code, NULL::VARCHAR as industry_code, NULL::VARCHAR as skill_id, year,
           province_name, city_name, monthly_salary, sum(headcount) as headcount, count(*) as positions
    from major_positions
    group by all
    union all
    select 'division', NULL, industry_code, NULL, year, province_name, city_name, monthly_salary, sum(headcount),
           count(*)
    from positions
    group by all
    union all
    select 'skill', NULL, NULL, skill_id, year, province_name, city_name, monthly_salary, sum(headcount),
           sum(positions)
    from skill_positions
    group by all
    union all
    select 'division_skill', NULL, industry_code, skill_id, year, province_name, city_name, monthly_salary,
           headcount, positions
    from skill_positions
),

by_salary as (
    select breakdown, major_code, industry_code, skill_id, year,
           case when grouping(city_name) = 0 then 'city' when grouping(province_name) = 0 then 'province'
                else 'region' end as geography_level,
           case when grouping(city_name) = 0 then city_name when grouping(province_name) = 0 then province_name
                else getvariable('region_geography') end as geography,
           monthly_salary,
           sum(headcount) as headcount,
           sum(positions) as positions
    from by_city
    group by grouping sets (
        (breakdown, major_code, industry_code, skill_id, year, province_name, city_name, monthly_salary),
        (breakdown, major_code, industry_code, skill_id, year, province_name, monthly_salary),
        (breakdown, major_code, industry_code, skill_id, year, monthly_salary))
),

distributions as (
    -- each group's salaries as a list (list_sort orders it by salary, which is distinct within the group)
    select breakdown, major_code, industry_code, skill_id, geography_level, geography, year,
           sum(positions) as positions,
           sum(headcount) as headcount,
           list_sort(list({salary: monthly_salary, headcount: headcount})) as salaries
    from by_salary
    group by all
),

quartiles as (
    select breakdown, major_code, industry_code, skill_id, geography_level, geography, year, positions, headcount,
           weighted_quartiles(salaries, headcount) as q
    from distributions
),

shown as (
    select breakdown, major_code, industry_code, skill_id, geography_level, geography, year, positions, headcount,
           not salary_shown(positions) as suppressed,
           case when salary_shown(positions) then q.p25 end as salary_p25,
           case when salary_shown(positions) then q.median end as salary_median,
           case when salary_shown(positions) then q.p75 end as salary_p75
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
