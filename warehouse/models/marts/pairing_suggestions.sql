-- Suggested school–enterprise pairs (docs/metrics.md "Pairing suggestions"): for an enterprise that hosts
-- interns and wants a major it has no base for, up to three universities with unplaced graduates of the
-- major, each with a suggested number of interns allocated so that no university's pool is promised twice.
-- One row per (enterprise, major, level, year, university). The reasons are written where they are shown
-- (dashboard/labels.py `pairing_reasons`), in the reader's language, from the figures stored here. A
-- university's students placed in a small group are not shown, nor is its pool (graduates − pool would give
-- them back): `suppressed` says so ("Suppression").
-- incremental by: year
with recursive hosting as (
    -- enterprise-years that take interns: one of the year's survey rows says so, or the enterprise has a base
    select enterprise_id, year
    from staging.survey_positions
    group by all
    having bool_or(hosts_interns) or enterprise_id in (select enterprise_id from dims.base)
),

already_based as (
    -- an enterprise that hosted students of the major at one of its bases that year (from any university)
    select enterprise_id, major_code, year from marts.base_placements
),

wanted as (
    -- demand of 专科 and 本科 positions (研究生 positions have no graduates in the catalogues to set against),
    -- as whole interns: a share of a position is still a person to find. The enterprise's place that year is
    -- its survey rows' (the first by name if it answered from several cities).
    select
        d.enterprise_id, d.major_code, d.level, d.year,
        min({'province_name': d.province_name, 'city_name': d.city_name}) as place,
        sum(d.demand)::double as demand,
        ceil(sum(d.demand))::bigint as wanted
    from facts.demand as d
    semi join hosting as h on h.enterprise_id = d.enterprise_id and h.year = d.year
    anti join already_based as b on b.enterprise_id = d.enterprise_id and b.major_code = d.major_code
        and b.year = d.year
    where d.level in ('专科', '本科')
    group by d.enterprise_id, d.major_code, d.level, d.year
    having sum(d.demand) > 0
),

placed as (
    -- the placements that use up a university's pool of a major in a year (docs/metrics.md "Placements":
    -- students with a production or graduation internship)
    select university_code, major_code, year, placements from facts.internship_counts
),

pools as (
    -- unplaced pool(u, m, y) = graduates − placements, at least 0; actual graduates only (a projected cohort
    -- has no students yet to place). The graduates are shown beside each suggestion, so the pool of a small
    -- group takes its placements as the most a suppressed group holds (as_largest_suppressed): neither the pool
    -- nor the interns allocated from it give the count back. Only universities with some pool left are
    -- candidates. pool_id numbers them for the allocation.
    select
        s.university_code, s.major_code, s.level, s.year, s.province_name, s.city_name,
        sum(s.graduates) as graduates,
        coalesce(any_value(p.placements), 0) as placements,
        greatest(sum(s.graduates) - coalesce(as_largest_suppressed(any_value(p.placements)), 0), 0)::bigint as pool,
        row_number() over () as pool_id
    from facts.supply as s
    left join placed as p using (university_code, major_code, year)
    where not s.is_projection and s.graduates is not null
    group by s.university_code, s.major_code, s.level, s.year, s.province_name, s.city_name
    having pool > 0
),

spare_capacity as (
    -- what a university's bases could still take that year: capacity less placements, per base, at least 0
    -- (the placements counted as marts.base_utilisation counts them; marts.base_utilisation shows each base's
    -- capacity, so a base's small group counts as the most a suppressed group holds, as for the pools)
    select b.university_code, bu.year,
           sum(greatest(bu.capacity - coalesce(as_largest_suppressed(p.placements), 0), 0))::bigint as spare_capacity
    from marts.base_utilisation as bu
    join dims.base as b using (base_id)
    left join (select base_id, year, count(*) filter (where is_placement) as placements
               from facts.placements group by all) as p using (base_id, year)
    group by all
),

province_market as (
    -- the university's own surplus of the major: its province's alignment at the major's level (< 1: the
    -- province trains more of it, relative to other majors, than its jobs ask for)
    select geography as province_name, level, year, major_code, alignment, supply, demand
    from marts.major_gap
    where geography_level = 'province'
),

places as (
    -- each place (city, major, level, year) wanted is scored once against its candidates: the universities of
    -- its province with a pool, or those of the region's other provinces when its province has none
    select *, row_number() over () as place_id
    from (select distinct place.province_name as province_name, place.city_name as city_name, major_code, level, year
          from wanted)
),

entries as (
    -- each entry and its place with an id: the ranking and the allocation below join and partition on these
    -- numbers (and on pool_id for a pool), not on the four or five names each stands for
    select w.*, pl.place_id, row_number() over () as entry_id
    from wanted as w
    join places as pl
        on pl.province_name = w.place.province_name and pl.city_name is not distinct from w.place.city_name
        and pl.major_code = w.major_code and pl.level = w.level and pl.year = w.year
),

province_pools as (
    -- the provinces with a pool of the major, level and year: a place there takes its candidates from there
    select distinct province_name, major_code, level, year from pools
),

place_candidates as (
    select
        pl.place_id, o.pool_id,
        pl.province_name as wanted_province,
        pl.city_name as wanted_city,
        pl.major_code, pl.level, pl.year,
        o.university_code, o.province_name, o.city_name, o.graduates, o.placements, o.pool,
        coalesce(sc.spare_capacity, 0) as spare_capacity,
        pm.alignment as province_alignment,
        pm.supply as province_supply,
        pm.demand as province_demand,
        round(distance_km(wc.latitude, wc.longitude, uc.latitude, uc.longitude))::integer as distance_km,
        o.province_name <> pl.province_name as other_province
    from places as pl
    join pools as o on o.major_code = pl.major_code and o.level = pl.level and o.year = pl.year
    left join reference.cities as wc on wc.city_name = pl.city_name
    left join reference.cities as uc on uc.city_name = o.city_name
    left join spare_capacity as sc on sc.university_code = o.university_code and sc.year = o.year
    left join province_market as pm
        on pm.province_name = o.province_name and pm.level = o.level and pm.year = o.year
        and pm.major_code = o.major_code
    left join province_pools as pp
        on pp.province_name = pl.province_name and pp.major_code = pl.major_code and pp.level = pl.level
        and pp.year = pl.year
    where o.province_name = pl.province_name or pp.province_name is null
),

scored as (
    -- the score without the enterprise's own bases: one point each at most for a pool of 100 or more, the
    -- province's surplus of the major, nearness (1 in the same city, 0.5 at 100 km, 0.25 at 300 km) and 100
    -- or more places spare at the university's bases
    select *,
        least(pool, 100) / 100
        + case when province_alignment < 1 then 1 else 0 end
        + 1 / (1 + coalesce(distance_km, 1000) / 100)
        + least(spare_capacity, 100) / 100 as place_score
    from place_candidates
),

shortlist as (
    -- an enterprise's three best are among its place's three best and the universities it has a base with
    -- (the base point is the only part of the score that is the enterprise's own): ranking these few per
    -- enterprise instead of every university of the province keeps the mart linear in the scale. The ranking
    -- and the allocation carry only ids and what orders them; the figures each suggestion quotes are joined
    -- to the few rows kept (allocated).
    select place_id, pool_id, university_code, place_score, pool,
        row_number() over (partition by place_id order by place_score desc, pool desc, university_code) as place_rank
    from scored
    qualify place_rank <= 3
),

partners as (
    -- universities an enterprise already works with, through a base (in other majors: see already_based)
    select distinct enterprise_id, university_code from dims.base
),

partner_candidates as (
    -- the candidates of an entry's place that its enterprise already has a base with
    select e.entry_id, s.pool_id, s.university_code, s.place_score, s.pool
    from entries as e
    join partners as p on p.enterprise_id = e.enterprise_id
    join scored as s on s.place_id = e.place_id and s.university_code = p.university_code
),

choices as (
    -- an entry without such a candidate takes its place's three best in their order: no point of its own
    select e.entry_id, e.enterprise_id, e.wanted, s.pool_id, s.university_code, s.pool,
        false as has_base, s.place_score as score, s.place_rank as choice
    from entries as e
    join shortlist as s using (place_id)
    anti join partner_candidates as pc using (entry_id)
    union all
    -- the others rank their place's three best and those candidates, with the point for a base
    select c.entry_id, e.enterprise_id, e.wanted, c.pool_id, c.university_code, c.pool,
        p.university_code is not null as has_base,
        c.place_score + case when p.university_code is not null then 1 else 0 end as score,
        row_number() over (partition by c.entry_id order by score desc, c.pool desc, c.university_code) as choice
    from (
        select e.entry_id, s.pool_id, s.university_code, s.place_score, s.pool
        from entries as e
        join shortlist as s using (place_id)
        semi join partner_candidates as pc using (entry_id)
        union
        select * from partner_candidates
    ) as c
    join entries as e using (entry_id)
    left join partners as p on p.enterprise_id = e.enterprise_id and p.university_code = c.university_code
    qualify choice <= 3
),

-- Allocation in three rounds. In round r every enterprise still short asks its r-th choice for what it still
-- lacks; each university serves those asking it in order of unmet headcount (largest first, then enterprise
-- code) until what is left of its pool is spent. A running sum per pool makes each round one sort, and the
-- total given from a pool never exceeds it. The rounds are one recursive step: a round reads the entries'
-- rows of the round before (the CTE) and what each pool gave in every round before (recurring.allocation).
allocation(round, entry_id, enterprise_id, pool_id, has_base, score, unmet, interns) using key (round, entry_id) as (
    -- round 0: every entry lacks all it wants (an entry with any choice has a first)
    select 0, entry_id, enterprise_id, null::bigint, null::boolean, null::double, wanted, 0::bigint
    from choices
    where choice = 1
    union
    select round, entry_id, enterprise_id, pool_id, has_base, score, unmet - interns, interns
    from (
        select e.round + 1 as round, e.entry_id, e.enterprise_id, c.pool_id, c.has_base, c.score, e.unmet,
            least(e.unmet, greatest(c.pool - coalesce(u.given, 0) - coalesce(sum(e.unmet) over (
                partition by c.pool_id
                order by e.unmet desc, e.enterprise_id rows between unbounded preceding and 1 preceding), 0), 0)
            ) as interns
        from allocation as e
        join choices as c on c.entry_id = e.entry_id and c.choice = e.round + 1
        left join (
            select pool_id, sum(interns) as given from recurring.allocation group by all
        ) as u on u.pool_id = c.pool_id
        where e.unmet > 0 and e.round < 3
    )
),

allocated as (
    -- each suggestion with the figures it quotes: the entry's and the candidate's for the entry's place
    select e.enterprise_id, e.major_code, e.level, e.year, e.demand, e.wanted,
        a.round as choice, a.has_base, a.score, a.interns,
        s.* exclude (major_code, level, year)
    from allocation as a
    join entries as e on e.entry_id = a.entry_id
    join scored as s on s.place_id = e.place_id and s.pool_id = a.pool_id
    where a.round > 0 and a.interns > 0
)

select
    -- ids
    a.enterprise_id,
    e.enterprise_name,
    a.wanted_province as enterprise_province,
    a.wanted_city as enterprise_city,
    a.major_code,
    m.major_name,
    a.level,
    a.year,
    a.university_code,
    u.university_name,
    a.province_name as university_province,
    a.city_name as university_city,
    a.choice,
    -- the suggestion
    a.interns::bigint as interns,
    a.wanted,
    a.demand,
    -- why (each quoted by the reason; a small group's placements and the pool they leave are not shown)
    shown(a.pool, a.placements) as pool,
    a.graduates::bigint as graduates,
    shown(a.placements, a.placements)::bigint as placements,
    is_small_group(a.placements) as suppressed,
    a.province_alignment,
    a.province_supply,
    a.province_demand,
    a.distance_km,
    a.other_province,
    a.has_base,
    a.spare_capacity,
    a.score
from allocated as a
left join dims.enterprise as e using (enterprise_id)
left join reference.majors as m using (major_code)
left join reference.universities as u using (university_code)
