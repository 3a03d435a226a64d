-- Suggested school–enterprise pairs (METRICS.md "Pairing suggestions"): for an enterprise with survey
-- demand for a major in a year and no internship base with any university offering that major, the
-- universities of its province offering the major, ranked by same city first, then the major's surplus
-- (supply − demand) in the province, then the university's existing coverage of the major (lower first).
-- Ties are broken by the university's graduates of the major (more first), then its code. Top 5 kept.
-- incremental by: year
with wanted as (
    select enterprise_id, province_name, city_name, year, major_code, sum(demand) as demand
    from facts.demand
    group by all
    having sum(demand) > 0
),

offered as (
    -- a university offers a major in a year when its catalogue lists it, graduates or not yet
    select distinct university_code, major_code, year, province_name, city_name
    from staging.catalogue
),

linked as (
    -- enterprise already has a base with a university that offers the major (wanted ones only: few bases
    -- per enterprise, so this stays the size of `wanted`)
    select distinct w.enterprise_id, w.major_code, w.year
    from wanted as w
    join dims.base as b on b.enterprise_id = w.enterprise_id
    join offered as o on o.university_code = b.university_code and o.major_code = w.major_code and o.year = w.year
),

unlinked as (
    select w.*
    from wanted as w
    where not exists (
        select 1 from linked as l
        where l.enterprise_id = w.enterprise_id and l.major_code = w.major_code and l.year = w.year
    )
),

-- An enterprise's ranking depends only on where it is (province, city) and the major and year: it is the
-- ranking of its place. So each place wanted is ranked once, and enterprises take their place's top 5.
-- An enterprise wanting a major in one year in several places has its places' lists ranked together
-- (the top 5 of the union are among the places' top 5s; a university on two of its lists with equal keys
-- is a tie, broken arbitrarily as before).
places as (
    select province_name, city_name, major_code, year from unlinked group by all
),

-- Within one place, candidates are ordered by same city, then by the university's coverage and graduates
-- and its code (the province's surplus is the same for all of them). So the top 5 are among the city's top
-- 5 and the province's top 10 for that major and year (if the city has fewer than 5, at most 4 of the
-- province's top 10 are in it, leaving 6 from elsewhere). Ranking these short lists instead of every
-- university of the province keeps the mart linear in the scale.
university_order as (
    select o.*, ic.coverage, ic.graduates,
        row_number() over (
            partition by o.province_name, o.major_code, o.year
            order by ic.coverage asc nulls first, ic.graduates desc nulls last, o.university_code
        ) as province_place,
        row_number() over (
            partition by o.province_name, o.city_name, o.major_code, o.year
            order by ic.coverage asc nulls first, ic.graduates desc nulls last, o.university_code
        ) as city_place
    from offered as o
    left join marts.internship_coverage as ic
        on ic.university_code = o.university_code and ic.major_code = o.major_code and ic.year = o.year
),

shortlist as (
    select * exclude (province_place, city_place) from university_order
    where province_place <= 10 or city_place <= 5
),

province_surplus as (
    -- the major's graduates less its demand at every level (a major's graduates are of one level)
    select geography as province_name, year, major_code, sum(supply - demand) as surplus
    from marts.major_gap
    where geography_level = 'province'
    group by all
),

place_lists as (
    select
        pl.province_name,
        pl.city_name,
        pl.major_code,
        pl.year,
        o.university_code,
        o.city_name = pl.city_name as same_city,
        ps.surplus as province_surplus,
        o.coverage,
        o.graduates,
        row_number() over (
            partition by pl.province_name, pl.city_name, pl.major_code, pl.year
            order by same_city desc, province_surplus desc nulls last, coverage asc nulls first,
                     graduates desc nulls last, o.university_code
        ) as place_rank
    from places as pl
    join shortlist as o on o.major_code = pl.major_code and o.year = pl.year and o.province_name = pl.province_name
    left join province_surplus as ps
        on ps.province_name = pl.province_name and ps.year = pl.year and ps.major_code = pl.major_code
    qualify place_rank <= 5
),

-- names once per place and university. The reason a suggestion gives is written where it is shown, from the
-- figures it quotes (same_city, province_surplus, coverage, graduates, demand: dashboard/labels.py
-- `pairing_reasons`), as the gap pages write theirs: two sentences per row stored here would be most of the
-- mart's bytes, which every build writes, compares and scans for personal data (benchmarks/RESULTS.md)
explained as (
    select
        l.*,
        m.major_name,
        u.university_name
    from place_lists as l
    left join reference.majors as m using (major_code)
    left join reference.universities as u using (university_code)
),

several_places as (
    select enterprise_id, major_code, year from unlinked group by all having count(*) > 1
),

candidates as not materialized (
    select
        w.enterprise_id,
        w.major_code,
        w.year,
        w.demand,
        s.enterprise_id is not null as in_several_places,
        l.* exclude (province_name, city_name, major_code, year)
    from unlinked as w
    join explained as l
        on l.province_name = w.province_name and l.city_name is not distinct from w.city_name
        and l.major_code = w.major_code and l.year = w.year
    left join several_places as s
        on s.enterprise_id = w.enterprise_id and s.major_code = w.major_code and s.year = w.year
),

ranked as (
    select * exclude (place_rank, in_several_places), place_rank as rank
    from candidates
    where not in_several_places
    union all by name
    select * exclude (place_rank, in_several_places),
        row_number() over (
            partition by enterprise_id, major_code, year
            order by same_city desc, province_surplus desc nulls last, coverage asc nulls first,
                     graduates desc nulls last, university_code
        ) as rank
    from candidates
    where in_several_places
    qualify rank <= 5
)

select
    -- ids
    r.enterprise_id,
    e.enterprise_name,
    r.major_code,
    r.major_name,
    r.year,
    r.university_code,
    r.university_name,
    r.rank,
    -- why
    r.same_city,
    r.province_surplus,
    r.coverage,
    r.graduates,
    r.demand
from ranked as r
left join dims.enterprise as e using (enterprise_id)
