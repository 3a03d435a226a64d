-- Metric macros shared by the mart models (TEMP: defined for the build connection only).
-- Thresholds come from sources/settings.py through DuckDB variables set by warehouse/models.py.

-- why a major or industry has its status in one geography and year (METRICS.md "Gap"):
-- unserved (demand, no supply) and alignment_high are shortages; no_demand (supply, no demand) and
-- alignment_low are surpluses; alignment_within is balanced
CREATE OR REPLACE TEMP MACRO gap_status_reason(supply, demand, alignment) AS
    CASE
        WHEN supply = 0 AND demand > 0 THEN 'unserved'
        WHEN demand = 0 AND supply > 0 THEN 'no_demand'
        WHEN alignment >= getvariable('shortage_alignment') THEN 'alignment_high'
        WHEN alignment <= getvariable('surplus_alignment') THEN 'alignment_low'
        ELSE 'alignment_within'
    END;

CREATE OR REPLACE TEMP MACRO gap_status(reason) AS
    CASE
        WHEN reason IN ('unserved', 'alignment_high') THEN 'shortage'
        WHEN reason IN ('no_demand', 'alignment_low') THEN 'surplus'
        ELSE 'balanced'
    END;

-- a ratio that is undefined (NULL), not 0, when the denominator is 0 or unknown
CREATE OR REPLACE TEMP MACRO ratio(numerator, denominator) AS
    CASE WHEN denominator > 0 THEN numerator / denominator END;
