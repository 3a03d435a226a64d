-- Internships per major (and its study level) for the region ('northeast'), each province and each city, per year: the per-major
-- half of marts.internship_figures (docs/metrics.md "Roll-up").
-- incremental by: year
select * from marts.internship_figures
where major_code is not null
order by geography_level, geography, year, level, major_code
