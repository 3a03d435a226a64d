-- Skill demand by skill × major × study level × geography (city, province, region) × survey year
-- (docs/metrics.md "Skills and pay"): skill_demand(s, m, L, g, y) = Σ headcount / k over the positions of level L
-- naming skill s and major m (a position naming k majors gives each headcount / k, as facts.demand does);
-- skill_share = skill_demand / demand(m, L, g, y), the major's demand over its positions of that level; the same
-- share the survey year before and its change (trend); skill_rank orders a major's skills by demand in its level,
-- geography and year (marts.major_top_skills keeps the top).
-- `level` is the position's minimum level as facts.demand gives it (不限 toward 专科), so the pages' level filter
-- picks the same positions here as in the gap marts (docs/metrics.md "Levels"): what employers of bachelors ask
-- for is not mixed with what they ask of 专科 or 研究生 hires.
with demand as (
    select position_id, year, level, province_name, city_name, major_code, demand from facts.demand
),

position_skills as (
    select position_id, skill_id from facts.position_skills
),

-- a position is of one city and names each of its skills and majors once (one row per pair in facts.position_skills
-- and facts.demand), so a city's positions are its rows, and a province's or the region's figures are the sums
-- of their cities': the skill rows are aggregated once, per city, and the wider geographies from those sums
skill_by_city as (
    select position_skills.skill_id, demand.major_code, demand.level, demand.year, demand.province_name,
           demand.city_name,
           sum(demand.demand) as skill_demand,
           count(*) as positions
    from demand join position_skills using (position_id)
    group by all
),

skill_by_geography as (
    select skill_id, major_code, level, year,
           case when grouping(city_name) = 0 then 'city' when grouping(province_name) = 0 then 'province'
                else 'region' end as geography_level,
           case when grouping(city_name) = 0 then city_name when grouping(province_name) = 0 then province_name
                else getvariable('region_geography') end as geography,
           sum(skill_demand) as skill_demand,
           sum(positions)::bigint as positions
    from skill_by_city
    group by grouping sets ((skill_id, major_code, level, year, province_name, city_name),
                            (skill_id, major_code, level, year, province_name), (skill_id, major_code, level, year))
),

major_by_city as (
    select major_code, level, year, province_name, city_name, sum(demand) as major_demand,
           count(*) as major_positions
    from demand
    group by all
),

major_by_geography as (
    select major_code, level, year,
           case when grouping(city_name) = 0 then 'city' when grouping(province_name) = 0 then 'province'
                else 'region' end as geography_level,
           case when grouping(city_name) = 0 then city_name when grouping(province_name) = 0 then province_name
                else getvariable('region_geography') end as geography,
           sum(major_demand) as major_demand,
           sum(major_positions)::bigint as major_positions
    from major_by_city
    group by grouping sets ((major_code, level, year, province_name, city_name),
                            (major_code, level, year, province_name), (major_code, level, year))
),

shares as (
    select s.*, m.major_demand, m.major_positions, ratio(s.skill_demand, m.major_demand) as skill_share
    from skill_by_geography as s
    join major_by_geography as m using (major_code, level, year, geography_level, geography)
)

select
    shares.skill_id,
    k.skill_name,
    k.skill_name_en,
    k.category,
    k.category_en,
    shares.major_code,
    mj.major_name,
    mj.major_name_en,
    mj.level as major_level,
    shares.level,
    shares.geography_level,
    shares.geography,
    shares.year,
    shares.skill_demand,
    shares.positions,
    shares.major_demand,
    shares.major_positions,
    shares.skill_share,
    -- trend: the share the survey year before (0 where the major had demand then but not for this skill)
    case when previous_major.major_demand > 0
         then ratio(coalesce(previous.skill_demand, 0), previous_major.major_demand) end as skill_share_previous,
    shares.skill_share - skill_share_previous as skill_share_change,
    row_number() over (partition by shares.major_code, shares.level, shares.geography_level, shares.geography,
                                    shares.year
                       order by shares.skill_demand desc, shares.skill_id) as skill_rank
from shares
join reference.skills as k using (skill_id)
left join reference.majors as mj on mj.major_code = shares.major_code
left join skill_by_geography as previous
    on previous.skill_id = shares.skill_id and previous.major_code = shares.major_code
    and previous.level = shares.level
    and previous.geography_level = shares.geography_level and previous.geography = shares.geography
    and previous.year = shares.year - 1
left join major_by_geography as previous_major
    on previous_major.major_code = shares.major_code and previous_major.level = shares.level
    and previous_major.geography_level = shares.geography_level
    and previous_major.geography = shares.geography and previous_major.year = shares.year - 1
