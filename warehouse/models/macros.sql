-- Metric macros shared by the mart models (TEMP: defined for the build connection only).
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
CREATE OR REPLACE TEMP MACRO ratio(numerator, denominator) AS
    CASE WHEN denominator > 0 THEN numerator / denominator END;

-- kilometres between two points on the Earth given in degrees (haversine, mean radius 6,371 km): the distance
-- between two city centres (docs/metrics.md "Pairing suggestions")
CREATE OR REPLACE TEMP MACRO distance_km(latitude_a, longitude_a, latitude_b, longitude_b) AS
    2 * 6371 * asin(sqrt(
        pow(sin(radians(latitude_b - latitude_a) / 2), 2)
        + cos(radians(latitude_a)) * cos(radians(latitude_b)) * pow(sin(radians(longitude_b - longitude_a) / 2), 2)
    ));
