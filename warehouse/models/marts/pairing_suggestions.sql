-- Suggested school–enterprise pairs (METRICS.md "Pairing suggestions"): for an enterprise with survey
-- demand for a major in a year and no internship base with any university offering that major, the
-- universities of its province offering the major, ranked by same city first, then the major's surplus
-- (supply − demand) in the province, then the university's existing coverage of the major (lower first).
-- Ties are broken by the university's graduates of the major (more first), then its code. Top 5 kept.
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
    -- enterprise already has a base with a university that offers the major
    select distinct b.enterprise_id, o.major_code, o.year
    from dims.base as b
    join offered as o using (university_code)
),

-- Within one enterprise × major × year, candidates are ordered by same city, then by the university's
-- coverage and graduates and its code (the province's surplus is the same for all of them). So the top 5
-- are among the city's top 5 and the province's top 10 for that major and year (if the city has fewer than
-- 5, at most 4 of the province's top 10 are in it, leaving 6 from elsewhere). Joining enterprises to these
-- short lists instead of every university of the province keeps the mart linear in the scale.
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
    select geography as province_name, year, major_code, supply - demand as surplus
    from marts.major_gap
    where geography_level = 'province'
),

candidates as (
    select
        w.enterprise_id,
        w.major_code,
        w.year,
        o.university_code,
        w.demand,
        o.city_name = w.city_name as same_city,
        ps.surplus as province_surplus,
        o.coverage,
        o.graduates
    from wanted as w
    join shortlist as o on o.major_code = w.major_code and o.year = w.year and o.province_name = w.province_name
    left join province_surplus as ps
        on ps.province_name = w.province_name and ps.year = w.year and ps.major_code = w.major_code
    where not exists (
        select 1 from linked as l
        where l.enterprise_id = w.enterprise_id and l.major_code = w.major_code and l.year = w.year
    )
),

ranked as (
    select
        *,
        row_number() over (
            partition by enterprise_id, major_code, year
            order by same_city desc, province_surplus desc nulls last, coverage asc nulls first,
                     graduates desc nulls last, university_code
        ) as rank
    from candidates
)

select
    -- ids
    r.enterprise_id,
    e.enterprise_name,
    r.major_code,
    m.major_name,
    r.year,
    r.university_code,
    u.university_name,
    r.rank,
    -- why
    r.same_city,
    r.province_surplus,
    r.coverage,
    r.graduates,
    r.demand,
    (case when r.same_city then '同城' || u.city_name else '同省' || u.province_name end)
        || '；' || m.major_name || '：企业需求 ' || round(r.demand, 1) || ' 人，本校毕业生 '
        || coalesce(r.graduates::varchar, '—') || ' 人，实习覆盖率 '
        || coalesce(round(100 * r.coverage, 1) || '%', '—')
        || '，全省供需差 ' || coalesce(round(r.province_surplus, 1)::varchar, '—') as reason,
    (case when r.same_city then 'same city (' || c.city_name_en || ')' else 'same province' end)
        || '; ' || m.major_name_en || ': enterprise wants ' || round(r.demand, 1) || ', university graduates '
        || coalesce(r.graduates::varchar, '—') || ', internship coverage '
        || coalesce(round(100 * r.coverage, 1) || '%', '—')
        || ', province surplus ' || coalesce(round(r.province_surplus, 1)::varchar, '—') as reason_en
from ranked as r
left join dims.enterprise as e using (enterprise_id)
left join reference.majors as m using (major_code)
left join reference.universities as u using (university_code)
left join reference.cities as c on c.city_name = u.city_name
where r.rank <= 5
order by r.enterprise_id, r.major_code, r.year, r.rank
