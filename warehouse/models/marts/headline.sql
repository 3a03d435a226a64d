-- The Overview's headline figures per geography (region 'northeast', province, city) and year, each the
-- METRICS.md figure summed over the geography: graduates (supply, actual or projected), surveyed demand
-- (Σ demand shares = Σ headcount of positions naming a major), how many majors are in shortage / surplus,
-- and internship coverage, relevance, conversion and retention as ratios of the sums in
-- marts.internship_by_geography. A geography-year with any projected supply is flagged.
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
    select
        geography_level, geography, year,
        sum(graduates) as internship_graduates,
        sum(covered_placements) as covered_placements,
        sum(placements) as placements,
        sum(placement_rows) as placement_rows,
        sum(relevant_rows) as relevant_rows,
        sum(hired_rows) as hired_rows,
        sum(completed_rows) as completed_rows,
        sum(employed_in_province) as employed_in_province,
        sum(graduates_reporting_employment) as graduates_reporting_employment
    from marts.internship_by_geography
    group by all
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
    coalesce(i.placements, 0)::bigint as placements,
    ratio(i.covered_placements::double, i.internship_graduates) as coverage,
    ratio(i.relevant_rows::double, i.placement_rows) as relevance,
    ratio(i.hired_rows::double, i.hired_rows + i.completed_rows) as conversion,
    ratio(i.employed_in_province::double, i.graduates_reporting_employment) as retention
from gap as g
left join internships as i using (geography_level, geography, year)
order by geography_level, geography, year
