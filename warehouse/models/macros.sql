-- Metric macros shared by the mart models (TEMP: defined on each build connection, and sent with the dashboard's
-- queries that call a table macro of reader_macros.sql, which uses them).
-- Thresholds come from warehouse/settings.py through DuckDB variables set by warehouse/models.py.

-- why a major or industry has its status in one labour market (a province or the region), level and year
-- (docs/metrics.md "Gap (major level)"). Graduates move within their province, so only a market is judged;
-- a city takes its province's judgement (gap_local_reason). Evidence first: below MIN_DEMAND positions'
-- worth of demand or MIN_SUPPLY graduates there is too little to judge (insufficient_data); unserved
-- (demand, no supply) and no_demand (supply, no demand) need enough evidence on the side that exists.
-- Graduate-level (研究生) positions are never set against the catalogues' 本科/专科 graduates: the catalogues
-- carry no graduate-level supply, so those rows show demand only.
CREATE OR REPLACE TEMP MACRO gap_status_reason(level, supply, demand, alignment) AS
    CASE
        WHEN level = '研究生' THEN 'supply_not_collected'
        WHEN supply = 0 AND demand > 0 THEN
            CASE WHEN demand >= getvariable('min_demand') THEN 'unserved' ELSE 'too_little_demand' END
        WHEN demand = 0 AND supply > 0 THEN
            CASE WHEN supply >= getvariable('min_supply') THEN 'no_demand' ELSE 'too_little_supply' END
        WHEN demand < getvariable('min_demand') THEN 'too_little_demand'
        WHEN supply < getvariable('min_supply') THEN 'too_little_supply'
        WHEN alignment >= getvariable('shortage_alignment') THEN 'alignment_high'
        WHEN alignment <= getvariable('surplus_alignment') THEN 'alignment_low'
        ELSE 'alignment_within'
    END;

-- a city's reason: its province's, except that a city with demand but no graduates of its own, in a province
-- that has some, draws them from elsewhere in the province (imports), which is no shortage on that ground
CREATE OR REPLACE TEMP MACRO gap_local_reason(supply, demand, market_supply, market_reason) AS
    CASE WHEN supply = 0 AND demand > 0 AND market_supply > 0 THEN 'no_local_supply' ELSE market_reason END;

CREATE OR REPLACE TEMP MACRO gap_status(reason) AS
    CASE
        WHEN reason = 'alignment_high' THEN 'shortage'
        WHEN reason = 'alignment_low' THEN 'surplus'
        WHEN reason = 'alignment_within' THEN 'balanced'
        WHEN reason = 'unserved' THEN 'unserved'
        WHEN reason = 'no_demand' THEN 'no_demand'
        WHEN reason = 'no_local_supply' THEN 'imports'
        ELSE 'insufficient_data'
    END;

-- a major's card (专业预警, docs/metrics.md "Cards") from its statuses in the three latest survey years of a
-- market: green (expand) when shortage in all three, red (shrink) when surplus in all three, yellow (watch)
-- when surplus in two of three; NULL (no card) otherwise, and when fewer years were surveyed
CREATE OR REPLACE TEMP MACRO gap_card(statuses) AS
    CASE
        WHEN len(statuses) < getvariable('card_years') THEN NULL
        WHEN len(list_filter(statuses, lambda s: s = 'shortage')) = len(statuses) THEN 'green'
        WHEN len(list_filter(statuses, lambda s: s = 'surplus')) = len(statuses) THEN 'red'
        WHEN len(list_filter(statuses, lambda s: s = 'surplus')) = len(statuses) - 1 THEN 'yellow'
    END;

-- a ratio that is undefined (NULL), not 0, when the denominator is 0 or unknown
-- which of the rows sent for one key (a catalogue row, a survey answer, a base, a placement) the warehouse keeps
-- (docs/data-contracts.md "Resubmissions"): the greatest of this. A row a university or an enterprise handed in
-- itself, from its submissions folder, ranks above any file the data staff put in the landing folder, whatever
-- its name: the party is the authority on its own figures, and a staff file's name says nothing of when it was
-- written. Among files of the same standing the later in file-name order wins (submissions are named by time).
CREATE OR REPLACE TEMP MACRO file_precedence(source_file) AS
    CASE WHEN regexp_matches(source_file, getvariable('own_submission_files')) THEN '1 ' ELSE '0 ' END
    || source_file;

CREATE OR REPLACE TEMP MACRO ratio(numerator, denominator) AS
    CASE WHEN denominator > 0 THEN numerator / denominator END;

-- kilometres between two points on the Earth given in degrees (haversine, mean radius 6,371 km): the distance
-- between two city centres (docs/metrics.md "Pairing suggestions")
CREATE OR REPLACE TEMP MACRO distance_km(latitude_a, longitude_a, latitude_b, longitude_b) AS
    2 * 6371 * asin(sqrt(
        pow(sin(radians(latitude_b - latitude_a) / 2), 2)
        + cos(radians(latitude_a)) * cos(radians(latitude_b)) * pow(sin(radians(longitude_b - longitude_a) / 2), 2)
    ));

-- ---- Internships (docs/metrics.md "Internships"): each formula here once, the marts only call them ----

-- 实习类型 → cognitive / production / graduation ("Internship types"); NULL for wording not recognised, which
-- counts as production (internship_type_counted) and is listed in marts.internship_wordings
CREATE OR REPLACE TEMP MACRO internship_type_of(wording) AS
    CASE
        WHEN wording IS NULL THEN NULL
        WHEN regexp_matches(lower(wording), '认识|认知|参观|cognitive|cognition|visit') THEN 'cognitive'
        WHEN regexp_matches(lower(wording), '毕业|岗位|顶岗|graduation') THEN 'graduation'
        WHEN regexp_matches(lower(wording), '生产|专业实习|production|professional') THEN 'production'
    END;

-- the type a placement counts as: a missing or unrecognised type is a production internship
CREATE OR REPLACE TEMP MACRO internship_type_counted(wording) AS
    coalesce(internship_type_of(wording), 'production');

-- 组织方式 集中/分散 → centralised / dispersed (NULL: not given or not recognised)
CREATE OR REPLACE TEMP MACRO internship_organisation_of(wording) AS
    CASE
        WHEN regexp_matches(lower(wording), '集中|central') THEN 'centralised'
        WHEN regexp_matches(lower(wording), '分散|自主|dispers|individual') THEN 'dispersed'
    END;

-- 实习形式 现场/虚拟仿真/模拟 → onsite / virtual / simulated (NULL: not given or not recognised)
CREATE OR REPLACE TEMP MACRO internship_mode_of(wording) AS
    CASE
        WHEN regexp_matches(lower(wording), '虚拟|仿真|线上|virtual|online') THEN 'virtual'
        WHEN regexp_matches(lower(wording), '模拟|simulat') THEN 'simulated'
        WHEN regexp_matches(lower(wording), '现场|线下|实地|on-?site|in person') THEN 'onsite'
    END;

-- a placement in the sense of the metrics: a production or graduation internship (cognitive visits are not)
CREATE OR REPLACE TEMP MACRO is_placement(internship_type) AS
    internship_type IN ('production', 'graduation');

-- 专业对口 of one placement: relevant when the host's division takes the major in the crosswalk or the host's
-- own survey asks for it; unknown when the host's division is unknown
CREATE OR REPLACE TEMP MACRO placement_relevance(host_division, crosswalk_fits, host_asks) AS
    CASE
        WHEN host_division IS NULL THEN 'unknown'
        WHEN crosswalk_fits OR host_asks THEN 'relevant'
        ELSE 'not_relevant'
    END;

-- coverage = placements / graduates ("coverage"); undefined where graduates are 0
CREATE OR REPLACE TEMP MACRO internship_coverage_of(placements, graduates) AS
    ratio(placements::double, graduates);

-- 专业对口率 = relevant / (relevant + not relevant): placements of unknown relevance leave both
CREATE OR REPLACE TEMP MACRO internship_relevance_of(relevant_rows, not_relevant_rows) AS
    ratio(relevant_rows::double, relevant_rows + not_relevant_rows);

-- the share of placements whose relevance is unknown, shown beside the rate
CREATE OR REPLACE TEMP MACRO relevance_unknown_share_of(unknown_rows, placement_rows) AS
    ratio(unknown_rows::double, placement_rows);

-- 留用率 = hired / (hired + completed), over graduation internships only
CREATE OR REPLACE TEMP MACRO internship_conversion_of(graduation_hired_rows, graduation_completed_rows) AS
    ratio(graduation_hired_rows::double, graduation_hired_rows + graduation_completed_rows);

-- 本省就业率 = employed in the province / graduates (of catalogues that give it)
CREATE OR REPLACE TEMP MACRO retention_of(employed_in_province, graduates) AS
    ratio(employed_in_province::double, graduates);

-- utilisation = placements at the base starting in the year / its yearly capacity
CREATE OR REPLACE TEMP MACRO utilisation_of(placements, capacity) AS
    ratio(placements::double, capacity);

-- Suppression (METRICS.md "Suppression"): a group of 1 to MIN_GROUP_SIZE − 1 students is not shown. This is
-- the only place the rule is written; the marts give each figure through `shown`, and a `suppressed` flag.
CREATE OR REPLACE TEMP MACRO is_small_group(students) AS
    coalesce(students BETWEEN 1 AND getvariable('min_group_size') - 1, false);

CREATE OR REPLACE TEMP MACRO shown(value, students) AS
    CASE WHEN NOT is_small_group(students) THEN value END;

-- A figure computed from a count and shown beside the other term it was computed from (an unplaced pool
-- beside the graduates, spare places beside the capacity) would give a suppressed count back by a subtraction.
-- Such a figure takes a small group as the largest group that is suppressed, MIN_GROUP_SIZE − 1 students, so
-- it tells no more than `suppressed` does.
CREATE OR REPLACE TEMP MACRO as_largest_suppressed(students) AS
    CASE WHEN is_small_group(students) THEN getvariable('min_group_size') - 1 ELSE students END;

-- why a ratio is undefined, for the pages to say instead of showing nothing (NULL when it is defined)
CREATE OR REPLACE TEMP MACRO undefined_because(value, students, denominator, reason) AS
    CASE
        WHEN is_small_group(students) THEN 'suppressed'
        WHEN value IS NULL AND coalesce(denominator, 0) = 0 THEN reason
    END;

-- The internship figures of one group from its counts: the counts, shown unless the group is small
-- ("Suppression"), the four ratios above and why each is undefined. One struct, so each mart that shows them
-- (marts.internship_coverage per university, marts.internship_figures per place) writes them the same way:
-- `unnest(internship_figures_of(...))` in a select list gives its fields as columns. `covered_placements` are
-- the placements coverage counts, `graduates_reporting_employment` the graduates retention is over.
CREATE OR REPLACE TEMP MACRO internship_figures_of(
    placements, covered_placements, graduates, placement_rows, relevant_rows, not_relevant_rows,
    unknown_relevance_rows, graduation_rows, hired_rows, completed_rows, employed_in_province,
    graduates_reporting_employment) AS {
    'placements': shown(placements, placements),
    'placement_rows': shown(placement_rows, placements),
    'relevant_rows': shown(relevant_rows, placements),
    'not_relevant_rows': shown(not_relevant_rows, placements),
    'unknown_relevance_rows': shown(unknown_relevance_rows, placements),
    'graduation_rows': shown(graduation_rows, placements),
    'hired_rows': shown(hired_rows, placements),
    'completed_rows': shown(completed_rows, placements),
    'coverage': shown(internship_coverage_of(covered_placements, graduates), placements),
    'relevance': shown(internship_relevance_of(relevant_rows, not_relevant_rows), placements),
    'relevance_unknown_share':
        shown(relevance_unknown_share_of(unknown_relevance_rows, placement_rows), placements),
    'conversion': shown(internship_conversion_of(hired_rows, completed_rows), placements),
    'retention': retention_of(employed_in_province, graduates_reporting_employment),
    'suppressed': is_small_group(placements),
    'coverage_undefined': undefined_because(internship_coverage_of(covered_placements, graduates), placements,
                                            graduates, 'no_graduates'),
    'relevance_undefined': undefined_because(internship_relevance_of(relevant_rows, not_relevant_rows),
        placements, relevant_rows + not_relevant_rows,
        CASE WHEN placement_rows > 0 THEN 'host_division_unknown' ELSE 'no_placements' END),
    'conversion_undefined': undefined_because(internship_conversion_of(hired_rows, completed_rows), placements,
                                              hired_rows + completed_rows, 'no_graduation_internships'),
    'retention_undefined': undefined_because(retention_of(employed_in_province, graduates_reporting_employment),
                                             0, graduates_reporting_employment, 'not_reported')
};

-- ---- Decision support (docs/metrics.md "Decision support") ----

-- a value's percentile rank among n values (0–100): the share of them below it, counting the equal ones
-- (itself included) half, so ties share one percentile and a lone value is the median (50); NULL for a
-- missing value
CREATE OR REPLACE TEMP MACRO percentile_rank(value, below, equal, n) AS
    CASE WHEN value IS NOT NULL AND n > 0 THEN 100.0 * (below + 0.5 * equal) / n END;

-- a major's score: Σ weight · percentile / Σ weight over the indicators it has (a missing indicator, or one
-- weighted 0, leaves both sums). An aggregate over the major's indicator rows; the weights are the user's, so
-- the score is computed when the page asks (dashboard/scorecard_queries.py, the weights bound), never stored
CREATE OR REPLACE TEMP MACRO weighted_score(weight, percentile) AS
    ratio(sum(weight * percentile) FILTER (WHERE percentile IS NOT NULL AND weight > 0),
          sum(weight) FILTER (WHERE percentile IS NOT NULL AND weight > 0));

-- ---- Skills and pay (docs/metrics.md "Skills and pay"): each formula here once, the marts only call them ----

-- a skill wording as the vocabulary and the survey's pieces are compared: NFKC-folded, lower case, trimmed, runs
-- of spaces as one (so `ＰＬＣ`, `plc` and ` PLC ` are one wording)
CREATE OR REPLACE TEMP MACRO skill_wording(text) AS
    lower(trim(regexp_replace(nfkc(text), '\s+', ' ', 'g')));

-- the headcount-weighted quartiles of a group's salaries: for q = 1/4, 1/2 and 3/4, the lowest salary whose
-- running headcount (salaries in ascending order) reaches q of the group's total. `salaries` is the group's list
-- of {salary, headcount}, one entry per salary, in ascending order of salary (headcounts summed as HUGEINT);
-- one pass over it gives all three, as {p25, median, p75}.
CREATE OR REPLACE TEMP MACRO weighted_quartiles(salaries, total) AS
    list_reduce(salaries, lambda acc, x: {
        running: acc.running + x.headcount,
        p25: coalesce(acc.p25, CASE WHEN acc.running + x.headcount >= 0.25 * total THEN x.salary END),
        median: coalesce(acc.median, CASE WHEN acc.running + x.headcount >= 0.5 * total THEN x.salary END),
        p75: coalesce(acc.p75, CASE WHEN acc.running + x.headcount >= 0.75 * total THEN x.salary END)
    }, {running: 0::HUGEINT, p25: NULL::DOUBLE, median: NULL::DOUBLE, p75: NULL::DOUBLE});

-- a salary figure is shown only over at least MIN_SALARY_POSITIONS survey rows (positions) with a salary
CREATE OR REPLACE TEMP MACRO salary_shown(positions) AS
    positions >= getvariable('min_salary_positions');
