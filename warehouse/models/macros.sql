-- Metric macros shared by the mart models (TEMP: defined for the build connection only).
-- Thresholds come from sources/settings.py through DuckDB variables set by warehouse/models.py.

-- status of a major or industry in one geography and year (METRICS.md "Gap")
CREATE OR REPLACE TEMP MACRO gap_status(supply, demand, alignment) AS
    CASE
        WHEN supply = 0 AND demand > 0 THEN 'shortage'
        WHEN demand = 0 AND supply > 0 THEN 'surplus'
        WHEN alignment >= getvariable('shortage_alignment') THEN 'shortage'
        WHEN alignment <= getvariable('surplus_alignment') THEN 'surplus'
        ELSE 'balanced'
    END;

-- why: unserved (demand, no supply), no_demand (supply, no demand), else the alignment threshold
CREATE OR REPLACE TEMP MACRO gap_status_reason(supply, demand, alignment) AS
    CASE
        WHEN supply = 0 AND demand > 0 THEN 'unserved'
        WHEN demand = 0 AND supply > 0 THEN 'no_demand'
        WHEN alignment >= getvariable('shortage_alignment') THEN 'alignment_high'
        WHEN alignment <= getvariable('surplus_alignment') THEN 'alignment_low'
        ELSE 'alignment_within'
    END;

-- a ratio that is undefined (NULL), not 0, when the denominator is 0 or unknown
CREATE OR REPLACE TEMP MACRO ratio(numerator, denominator) AS
    CASE WHEN denominator > 0 THEN numerator / denominator END;
