-- Enterprises seen in surveys (name, division and city from their latest survey row) or only in the
-- internship-base register (then name and division are unknown).
with surveyed as (
    select
        enterprise_id,
        arg_max(enterprise_name, (year, source_file, source_row)) as enterprise_name,
        arg_max(industry_code, (year, source_file, source_row)) as industry_code,
        arg_max(province_name, (year, source_file, source_row)) as province_name,
        arg_max(city_name, (year, source_file, source_row)) as city_name,
        true as surveyed
    from staging.survey_positions
    group by enterprise_id
),

base_only as (
    select
        b.enterprise_id,
        null::varchar as enterprise_name,
        null::varchar as industry_code,
        any_value(c.province_name) as province_name,
        any_value(b.city_name) as city_name,
        false as surveyed
    from staging.bases as b
    left join reference.cities as c using (city_name)
    where b.enterprise_id not in (select enterprise_id from surveyed)
    group by b.enterprise_id
)

select * from surveyed
union all
select * from base_only
