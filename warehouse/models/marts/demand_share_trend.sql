-- The trend of each major's demand share, per level, in every labour market (each province and the region),
-- for each survey year y: the least-squares line through its demand share in the TREND_YEARS latest survey
-- years of the market up to y (docs/metrics.md "Decision support"). The slope (share points per year) is the
-- scorecard's demand trend; the outlook carries the share along the line from its value at y (clamped at 0).
-- A survey year of the market in which nobody asked for the major counts as share 0: no demand is a fact of
-- that year, not a gap in the data. Fewer survey years than TREND_YEARS: no trend (NULL).
with markets as (
    select geography, level, year, major_code, demand_share, demand
    from marts.major_gap
    where geography_level <> 'city'
),

survey_years as (
    -- a market's survey years at one level: the years in which any position of that level was surveyed there
    select geography, level, year from markets group by all having sum(demand) > 0
),

windows as (
    select
        geography, level, year,
        list_slice(list(year) over (partition by geography, level order by year), -getvariable('trend_years'), -1)
            as trend_years
    from survey_years
),

points as (
    select w.geography, w.level, w.year, m.major_code, unnest(w.trend_years) as trend_year
    from windows as w
    join (select distinct geography, level, major_code from markets) as m using (geography, level)
),

shares as (
    select
        p.geography, p.level, p.year, p.major_code, p.trend_year,
        coalesce(g.demand_share, 0) as demand_share
    from points as p
    left join markets as g
        on g.geography = p.geography and g.level = p.level and g.year = p.trend_year
        and g.major_code = p.major_code
),

lines as (
    select
        geography, level, year, major_code,
        count(*) as trend_points,
        -- in year order: a float sum depends on the order its terms come in, and a join's order is not fixed
        regr_slope(demand_share, trend_year order by trend_year) as slope,
        avg(demand_share order by trend_year) as mean_share,
        avg(trend_year) as mean_year
    from shares
    group by all
)

select
    -- ids
    geography,
    level,
    year,
    major_code,
    -- numerics: the slope, and the line's value at y (the point the outlook carries forward from)
    trend_points,
    case when trend_points = getvariable('trend_years') then slope end as demand_share_slope,
    case when trend_points = getvariable('trend_years') then mean_share + slope * (year - mean_year) end
        as demand_share_fitted
from lines
order by geography, level, year, major_code
