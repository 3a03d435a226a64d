-- The Overview's headline figures per geography (region 'northeast', province, city), level and year, each
-- the docs/metrics.md figure summed over the geography: graduates (supply, actual or projected), surveyed
-- demand (Σ demand shares = Σ headcount of positions naming a major), how many majors have each status (a
-- city counts its province's statuses of the majors it has, and its imports apart), and internship
-- placements, coverage, relevance (with its unknown share), conversion and retention of the level's majors
-- as marts.internship_totals gives them (docs/metrics.md "Internships"; none for 研究生, which has no catalogue).
-- Graduate-level demand (docs/metrics.md "Levels") is the 研究生 row's demand: it is on that row only, never
-- beside another level's figures, where it would read as part of them.
-- A geography-year with any projected supply is flagged.
-- incremental by: year
with gap as (
    select
        geography_level, geography, year, level,
        sum(supply) as graduates,
        sum(demand) as demand,
        count(*) filter (where status = 'shortage') as shortage_majors,
        count(*) filter (where status = 'balanced') as balanced_majors,
        count(*) filter (where status = 'surplus') as surplus_majors,
        count(*) filter (where status = 'unserved') as unserved_majors,
        count(*) filter (where status = 'no_demand') as no_demand_majors,
        count(*) filter (where status = 'imports') as imports_majors,
        count(*) filter (where status = 'insufficient_data') as insufficient_data_majors,
        bool_or(is_projection) as is_projection
    from marts.major_gap
    group by all
),

internships as (
    -- the internship figures as marts.internship_totals gives them (docs/metrics.md "Internships")
    select geography_level, geography, year, level, placements, coverage, relevance, relevance_unknown_share,
           conversion, retention
    from marts.internship_totals
)

select
    -- ids
    geography_level,
    geography,
    year,
    g.level,
    -- supply and demand
    g.graduates,
    g.demand,
    g.shortage_majors,
    g.balanced_majors,
    g.surplus_majors,
    g.unserved_majors,
    g.no_demand_majors,
    g.imports_majors,
    g.insufficient_data_majors,
    g.is_projection,
    -- internships
    i.placements,
    i.coverage,
    i.relevance,
    i.relevance_unknown_share,
    i.conversion,
    i.retention
from gap as g
left join internships as i using (geography_level, geography, year, level)
order by geography_level, geography, year, g.level
