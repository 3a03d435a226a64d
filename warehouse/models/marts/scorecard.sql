-- The scorecard's indicators (docs/metrics.md "Decision support"), one row per indicator of each major of
-- each university (scope_level 'university') and of each province (scope_level 'province'), per level and
-- year, with its percentile among the province's rows of the same scope level, level and year: a university's
-- major against every university-major of its province, a province's major against the province's majors.
-- Indicators, all "higher is better": alignment (the province's, as the labour market is the province),
-- demand_trend (slope of the province's demand share, marts.demand_share_trend), coverage, relevance,
-- conversion and retention (marts.internship_coverage per university, marts.internship_by_geography per
-- province), and salary (the median monthly pay of the major's positions in the province, marts.salary; not
-- shown below MIN_SALARY_POSITIONS positions). A missing indicator has NULL value and percentile, with the
-- reason in `undefined`; the pages drop it from the score's sums and name it. Long, one row per indicator, so a
-- new indicator is one more struct below and no page changes its shape.
-- The score itself is weighted by the user in the session (dashboard/scorecard_queries.py), never stored.
-- A year's rows are made of that year's input rows only (every join and every percentile's comparison stays
-- within the year), so a change is applied to the years it touches.
-- incremental by: year
with catalogue as (
    -- the university-majors with actual graduates in the year: the ones a planner is deciding about
    select university_code, major_code, level, year, province_name
    from facts.supply
    where not is_projection
),

province_gap as (
    select geography as province_name, level, year, major_code, major_name, supply, demand, alignment, status
    from marts.major_gap
    where geography_level = 'province'
),

trend as (
    select geography as province_name, level, year, major_code, demand_share_slope
    from marts.demand_share_trend
),

pay as (
    -- the major's pay in the province's labour market, whatever the university (as alignment is)
    select geography as province_name, year, major_code, salary_median, suppressed as salary_suppressed
    from marts.salary
    where breakdown = 'major' and geography_level = 'province'
),

university_rows as (
    select
        'university' as scope_level, c.province_name, c.university_code, c.level, c.year, c.major_code,
        g.alignment, t.demand_share_slope, p.salary_median, p.salary_suppressed,
        i.coverage, i.relevance, i.conversion, i.retention,
        case when i.university_code is null then 'no_internship_record' end as no_record,
        i.coverage_undefined, i.relevance_undefined, i.conversion_undefined, i.retention_undefined
    from catalogue as c
    left join province_gap as g using (province_name, level, year, major_code)
    left join trend as t using (province_name, level, year, major_code)
    left join pay as p using (province_name, year, major_code)
    left join marts.internship_coverage as i using (university_code, major_code, year)
),

province_rows as (
    -- the majors the province teaches (graduates in the year) at that level
    select
        'province' as scope_level, g.province_name, null::varchar as university_code, g.level, g.year,
        g.major_code,
        g.alignment, t.demand_share_slope, p.salary_median, p.salary_suppressed,
        i.coverage, i.relevance, i.conversion, i.retention,
        case when i.major_code is null then 'no_internship_record' end as no_record,
        i.coverage_undefined, i.relevance_undefined, i.conversion_undefined, i.retention_undefined
    from province_gap as g
    left join trend as t using (province_name, level, year, major_code)
    left join pay as p using (province_name, year, major_code)
    left join marts.internship_by_geography as i
        on i.geography_level = 'province' and i.geography = g.province_name and i.year = g.year
        and i.major_code = g.major_code
    where g.supply > 0 and g.level <> '研究生'
),

indicators as (
    select
        scope_level, province_name, university_code, level, year, major_code,
        unnest([
            {indicator: 'alignment', value: alignment,
             undefined: case when alignment is null then 'no_alignment' end},
            {indicator: 'demand_trend', value: demand_share_slope,
             undefined: case when demand_share_slope is null then 'too_few_survey_years' end},
            {indicator: 'salary', value: salary_median,
             undefined: case when salary_median is null then
                 case when salary_suppressed then 'too_few_salaries' else 'no_salary' end end},
            {indicator: 'coverage', value: coverage,
             undefined: case when coverage is null then coalesce(no_record, coverage_undefined, 'undefined') end},
            {indicator: 'relevance', value: relevance,
             undefined: case when relevance is null then coalesce(no_record, relevance_undefined, 'undefined') end},
            {indicator: 'conversion', value: conversion,
             undefined: case when conversion is null then coalesce(no_record, conversion_undefined, 'undefined') end},
            {indicator: 'retention', value: retention,
             undefined: case when retention is null then coalesce(retention_undefined, 'undefined') end}
        ]) as i
    from (select * from university_rows union all by name select * from province_rows)
),

flat as (
    select * exclude (i), i.indicator, i.value::double as value, i.undefined from indicators
),

ranked as (
    -- the three counts over one ordering of the partition, so it is sorted once: the rows before a value, its
    -- peers (the rows of an equal value) and the values present
    select
        *,
        rank() over by_value - 1 as below,
        count(*) over (by_value range between current row and current row) as equal,
        count(value) over (by_value rows between unbounded preceding and unbounded following) as n
    from flat
    window by_value as (partition by scope_level, province_name, level, year, indicator order by value nulls last)
)

select
    -- ids
    r.scope_level,
    r.province_name,
    r.university_code,
    u.university_name,
    r.level,
    r.year,
    r.major_code,
    m.major_name,
    r.indicator,
    -- numerics
    r.value,
    percentile_rank(r.value, r.below, r.equal, r.n) as percentile,
    r.n as compared_with,
    -- why the indicator is missing (NULL when it is there)
    r.undefined
from ranked as r
left join reference.universities as u using (university_code)
left join reference.majors as m using (major_code)
