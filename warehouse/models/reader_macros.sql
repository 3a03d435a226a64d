-- Table macros the dashboard calls with a reader's choice (warehouse/models.py `with_macros` sends them, after
-- macros.sql, with the query): a table of every choice would be far larger than the rows any one page reads.
-- Not defined on a build's connection: DuckDB binds a table macro's tables when it is created.

-- Placements per student major of one enterprise (at all its bases: selector_kind 'enterprise') or one
-- university (of its students: 'university') in one year, for the Internships page's filters: an internship
-- type, organisation and mode, each a value or 'all' (for the type, 'all' is the placements: production and
-- graduation internships, cognitive visits apart; 'unknown' is an organisation or mode not given or not
-- recognised). Relevance with its unknown share and conversion as docs/metrics.md defines them; a group of 1
-- to MIN_GROUP_SIZE − 1 students shows no figures ("Suppression"). Students are counted once per major however
-- many of the chosen placements they have.
CREATE OR REPLACE TEMP MACRO placements_by_major(
    selector_kind, selector, chosen_year, chosen_type, chosen_organisation, chosen_mode
) AS TABLE
    WITH counted AS (
        SELECT
            major_code,
            count(DISTINCT student_key) AS students,
            count(*) AS placement_rows,
            count(*) FILTER (WHERE relevance = 'relevant') AS relevant_rows,
            count(*) FILTER (WHERE relevance = 'not_relevant') AS not_relevant_rows,
            count(*) FILTER (WHERE relevance = 'unknown') AS unknown_relevance_rows,
            count(*) FILTER (WHERE internship_type = 'graduation' AND outcome = 'hired') AS hired_rows,
            count(*) FILTER (WHERE internship_type = 'graduation' AND outcome = 'completed') AS completed_rows
        FROM facts.placements
        WHERE year = chosen_year
          AND CASE selector_kind WHEN 'enterprise' THEN enterprise_id WHEN 'university' THEN university_code END
              = selector
          -- written so that a filter left at 'all' folds away and its column is not read
          AND CASE WHEN chosen_type = 'all' THEN is_placement ELSE internship_type = chosen_type END
          AND (chosen_organisation = 'all' OR coalesce(organisation, 'unknown') = chosen_organisation)
          AND (chosen_mode = 'all' OR coalesce(mode, 'unknown') = chosen_mode)
        GROUP BY major_code
    )
    SELECT
        major_code,
        shown(students, students)::BIGINT AS students,
        shown(placement_rows, students)::BIGINT AS placement_rows,
        shown(relevant_rows, students)::BIGINT AS relevant_rows,
        shown(unknown_relevance_rows, students)::BIGINT AS unknown_relevance_rows,
        shown(internship_relevance_of(relevant_rows, not_relevant_rows), students) AS relevance,
        shown(relevance_unknown_share_of(unknown_relevance_rows, placement_rows), students)
            AS relevance_unknown_share,
        shown(internship_conversion_of(hired_rows, completed_rows), students) AS conversion,
        is_small_group(students) AS suppressed,
        undefined_because(internship_relevance_of(relevant_rows, not_relevant_rows), students,
                          relevant_rows + not_relevant_rows, 'host_division_unknown') AS relevance_undefined,
        undefined_because(internship_conversion_of(hired_rows, completed_rows), students,
                          hired_rows + completed_rows, 'no_graduation_internships') AS conversion_undefined
    FROM counted;
