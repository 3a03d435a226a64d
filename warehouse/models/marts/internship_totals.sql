-- Internships over all majors of a study level (专科 / 本科), for the region ('northeast'), each province and
-- each city, per year: the
-- Overview's internship figures, the all-majors half of marts.internship_figures (docs/metrics.md "Roll-up").
-- incremental by: year
select * exclude (major_code) from marts.internship_figures
where major_code is null
order by geography_level, geography, year, level
