-- Each major's ten most demanded skills per geography and survey year, with skill_share and its trend
-- (docs/metrics.md "Skills and pay"): the top of marts.skill_demand, for the Majors page.
select * from marts.skill_demand where skill_rank <= 10
