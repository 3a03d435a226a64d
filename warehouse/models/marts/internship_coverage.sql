-- Internship coverage, relevance (专业对口率, with the share of unknown relevance), conversion (留用率) and
-- retention (本省就业率) per university, major, study level (facts.internship_counts) and year: docs/metrics.md "Coverage",
-- "Relevance", "Conversion", "Retention" and "Suppression". The figures are those of internship_figures_of
-- (macros.sql), as marts.internship_figures gives them per place, over the counts of facts.internship_counts. Ratios are fractions; NULL where undefined, with the reason in
-- *_undefined. A group of fewer than MIN_GROUP_SIZE students placed is suppressed: its placement figures are
-- NULL ('suppressed'); graduates, employed_in_province and retention come from the catalogue and are shown.
-- incremental by: year, university_code
with counts as (
    select * from facts.internship_counts
)

select
    -- ids
    c.university_code,
    u.university_name,
    c.province_name,
    c.city_name,
    c.major_code,
    m.major_name,
    c.level,
    c.year,
    c.graduates,
    -- counts (suppressed for small groups), ratios, and why a ratio is undefined (NULL when it is shown)
    unnest(internship_figures_of(
        c.placements, c.placements, c.graduates, c.placement_rows, c.relevant_rows, c.not_relevant_rows,
        c.unknown_relevance_rows, c.graduation_rows, c.hired_rows, c.completed_rows, c.employed_in_province,
        -- (retention is over the graduates of a catalogue that reports employment)
        case when c.employed_in_province is not null then c.graduates end)),
    shown(c.dropped_rows, c.placements) as dropped_rows,
    c.employed_in_province
from counts as c
left join reference.universities as u using (university_code)
left join reference.majors as m using (major_code)
order by c.university_code, c.major_code, c.level, c.year
