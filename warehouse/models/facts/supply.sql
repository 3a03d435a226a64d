-- Graduate supply per (university, major, year). Where a year has enrolment but no graduate figure,
-- supply is projected from the enrolment L years earlier (L = 4 for 本科, 3 for 专科) and flagged
-- is_projection, never mixed silently with actual figures (docs/metrics.md "Supply").
with catalogue as (
    select * from staging.catalogue
),

with_projection as (
    select
        c.*,
        earlier.enrolment as projected_supply
    from catalogue as c
    left join catalogue as earlier
        on earlier.university_code = c.university_code
        and earlier.major_code = c.major_code
        and earlier.level = c.level
        and earlier.year = c.year - (case c.level when '本科' then getvariable('bachelor_lag_years')
                                                 else getvariable('vocational_lag_years') end)
)

select
    -- ids
    year,
    university_code,
    major_code,
    level,
    province_name,
    city_name,
    -- numerics
    enrolment,
    graduates,
    employed_in_province,
    coalesce(graduates, projected_supply) as supply,
    graduates is null as is_projection
from with_projection
where graduates is not null or projected_supply is not null
