-- Cards (专业预警: 绿牌 green / 黄牌 yellow / 红牌 red) per major and level, for each year y of the gap marts:
-- the major's statuses in the three latest survey years (up to y) of its labour market, the province (or
-- the region), and the card they give (docs/metrics.md "Cards"). A city row shows its province's card, as
-- it shows its province's status. Fewer than three surveyed years, or a year without the major: no card.
with judged as (
    select geography_level, geography, market, level, major_code, major_name, year, status
    from marts.major_gap
),

survey_years as (
    -- a market's survey years: the years any enterprise of it answered
    select distinct province_name as market, year from facts.demand
    union all
    select distinct getvariable('region_geography'), year from facts.demand
),

windows as (
    select
        market,
        year,
        list_slice(list(year) over (partition by market order by year), -getvariable('card_years'), -1)
            as survey_years
    from survey_years
),

cells as (
    select w.market, w.year, m.level, m.major_code, unnest(w.survey_years) as survey_year
    from windows as w
    join (select distinct market, level, major_code from judged) as m using (market)
),

cards as (
    select
        c.market, c.year, c.level, c.major_code,
        list(c.survey_year order by c.survey_year) as survey_years,
        list(j.status order by c.survey_year) as statuses
    from cells as c
    left join judged as j
        on j.geography = c.market and j.year = c.survey_year and j.level = c.level and j.major_code = c.major_code
    group by all
)

select
    -- ids
    j.geography_level,
    j.geography,
    j.year,
    j.level,
    j.major_code,
    j.major_name,
    -- the market's statuses behind the card, oldest year first
    j.market,
    c.survey_years,
    c.statuses,
    -- judgement
    gap_card(c.statuses) as card
from judged as j
join cards as c using (market, year, level, major_code)
order by j.geography_level, j.geography, j.year, j.level, j.major_code
