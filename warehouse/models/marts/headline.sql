-- The Overview's headline figures per geography (region 'northeast', province, city) and year, each the
-- METRICS.md figure summed over the geography: graduates (supply, actual or projected), surveyed demand
-- (Σ demand shares = Σ headcount of positions naming a major), how many majors are in shortage / surplus,
-- and internship coverage, relevance, conversion and retention as marts.internship_totals gives them.
-- A geography-year with any projected supply is flagged.
-- incremental by: year
with gap as (
    select
        geography_level, geography, year,
        sum(supply) as graduates,
        sum(demand) as demand,
        count(*) filter (where status = 'shortage') as shortage_majors,
        count(*) filter (where status = 'balanced') as balanced_majors,
        count(*) filter (where status = 'surplus') as surplus_majors,
        bool_or(is_projection) as is_projection
    from marts.major_gap
    group by all
),

internships as (
    -- the internship figures as marts.internship_totals gives them (docs/metrics-internships.md)
    select geography_level, geography, year, placements, coverage, relevance, relevance_unknown_share,
           conversion, retention
    from marts.internship_totals
)

select
    -- ids
    geography_level,
    geography,
    year,
    -- supply and demand
    g.graduates,
    g.demand,
    g.shortage_majors,
    g.balanced_majors,
    g.surplus_majors,
    g.is_projection,
    -- internships
    i.placements,
    i.coverage,
    i.relevance,
    i.relevance_unknown_share,
    i.conversion,
    i.retention
from gap as g
left join internships as i using (geography_level, geography, year)
order by geography_level, geography, year
