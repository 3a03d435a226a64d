-- Placements per student major of one enterprise (at all its bases) or one university (of its students), per
-- year, internship type, organisation and mode, for the Internships page's filters: each filter value and
-- 'all' (for the type, 'all' is the placements: production and graduation internships, cognitive visits
-- apart). Relevance with its unknown share and conversion as docs/metrics.md defines them
-- (macros.sql); a group of 1 to MIN_GROUP_SIZE − 1 students shows no figures ("Suppression").
-- incremental by: year
with placements as (
    select
        enterprise_id, university_code, major_code, year, student_key, internship_type, is_placement,
        coalesce(organisation, 'unknown') as organisation, coalesce(mode, 'unknown') as mode, relevance, outcome
    from facts.placements
),

by_selector as (
    select 'enterprise' as selector_kind, enterprise_id as selector, * exclude (enterprise_id, university_code)
    from placements
    union all
    select 'university', university_code, * exclude (enterprise_id, university_code)
    from placements
),

typed as (
    select * from by_selector
    union all
    select * replace ('all' as internship_type) from by_selector where is_placement
),

counted as (
    select
        selector_kind, selector, major_code, year, internship_type,
        coalesce(organisation, 'all') as organisation,
        coalesce(mode, 'all') as mode,
        count(distinct student_key) as students,
        count(*) as placement_rows,
        count(*) filter (where relevance = 'relevant') as relevant_rows,
        count(*) filter (where relevance = 'not_relevant') as not_relevant_rows,
        count(*) filter (where relevance = 'unknown') as unknown_relevance_rows,
        count(*) filter (where internship_type = 'graduation' and outcome = 'hired') as hired_rows,
        count(*) filter (where internship_type = 'graduation' and outcome = 'completed') as completed_rows
    from typed
    group by grouping sets (
        (selector_kind, selector, major_code, year, internship_type, organisation, mode),
        (selector_kind, selector, major_code, year, internship_type, organisation),
        (selector_kind, selector, major_code, year, internship_type, mode),
        (selector_kind, selector, major_code, year, internship_type)
    )
)

select
    -- ids
    selector_kind,
    selector,
    major_code,
    year,
    internship_type,
    organisation,
    mode,
    -- counts
    shown(students, students)::bigint as students,
    shown(placement_rows, students)::bigint as placement_rows,
    shown(relevant_rows, students)::bigint as relevant_rows,
    shown(unknown_relevance_rows, students)::bigint as unknown_relevance_rows,
    -- ratios
    shown(internship_relevance_of(relevant_rows, not_relevant_rows), students) as relevance,
    shown(relevance_unknown_share_of(unknown_relevance_rows, placement_rows), students) as relevance_unknown_share,
    shown(internship_conversion_of(hired_rows, completed_rows), students) as conversion,
    is_small_group(students) as suppressed,
    undefined_because(internship_relevance_of(relevant_rows, not_relevant_rows), students,
                      relevant_rows + not_relevant_rows, 'host_division_unknown') as relevance_undefined,
    undefined_because(internship_conversion_of(hired_rows, completed_rows), students, hired_rows + completed_rows,
                      'no_graduation_internships') as conversion_undefined
from counted
order by selector_kind, selector, year, internship_type, organisation, mode, major_code
