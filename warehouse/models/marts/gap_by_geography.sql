-- Supply vs demand of every major and industry division, per level (专科 / 本科 / 研究生), for the region
-- ('northeast'), each province and each city, per year: gap, shares within the same geography, level and
-- year, alignment and status (docs/metrics.md "Gap (major level)", "Gap (industry level)").
-- The labour market is the province: provinces and the region are judged on their own figures; a city
-- row shows the city's supply and demand with its province's status (`market` names it), or `imports`
-- where the city has demand but no graduates of its own. marts.major_gap and marts.industry_gap are its two
-- halves with names attached.
with by_city as (
    select * from facts.supply_demand_by_city
),

by_geography as (
    select subject, subject_code, level, 'city' as geography_level, city_name as geography,
           province_name as market, year, supply, demand, is_projection
    from by_city
    union all
    select subject, subject_code, level, 'province', province_name, province_name, year,
           sum(supply), sum(demand), bool_or(is_projection)
    from by_city group by all
    union all
    select subject, subject_code, level, 'region', getvariable('region_geography'), getvariable('region_geography'),
           year, sum(supply), sum(demand), bool_or(is_projection)
    from by_city group by all
),

shares as (
    select
        *,
        ratio(supply, sum(supply) over geo_year) as supply_share,
        ratio(demand, sum(demand) over geo_year) as demand_share,
        -- every share depends on the whole geography-year, so one projected figure flags all its rows
        bool_or(is_projection) over geo_year as any_projection
    from by_geography
    window geo_year as (partition by subject, level, geography_level, geography, year)
),

markets as (
    select
        subject, subject_code, level, geography, year,
        supply as market_supply,
        gap_status_reason(level, supply, demand, ratio(demand_share, supply_share)) as market_reason
    from shares
    where geography_level <> 'city'
),

judged as (
    select
        s.* exclude (is_projection, any_projection),
        s.any_projection as is_projection,
        case when s.geography_level = 'city'
             then gap_local_reason(s.supply, s.demand, m.market_supply, m.market_reason)
             else m.market_reason
        end as status_reason
    from shares as s
    join markets as m
        on m.subject = s.subject and m.subject_code = s.subject_code and m.level = s.level
        and m.geography = s.market and m.year = s.year
)

select
    -- ids
    subject,
    subject_code,
    level,
    geography_level,
    geography,
    year,
    -- the labour market whose status the row shows: the province of a city, else the geography itself
    market,
    -- numerics
    supply::double as supply,
    demand::double as demand,
    (demand - supply)::double as gap,
    supply_share,
    demand_share,
    ratio(demand_share, supply_share) as alignment,
    -- judgement
    gap_status(status_reason) as status,
    status_reason,
    is_projection
from judged
