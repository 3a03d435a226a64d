-- Normalisation macros used when source files are read (sources/schema.py builds the per-column SQL
-- from them). TEMP macros: they live for one connection and never in the published warehouse.
-- `nfkc(text)` is a vectorised UDF registered by warehouse/connection.py (Arrow's utf8_normalize):
-- it folds full-width letters, digits and spaces (Ｓｏｆｔ　０１ → Soft 01) as DESIGN.md asks.

-- text: NFKC, whitespace runs folded to one space, trimmed; empty becomes NULL
CREATE OR REPLACE TEMP MACRO norm_text(x) AS
    nullif(trim(regexp_replace(nfkc(x), '\s+', ' ', 'g')), '');

-- a code as typed by people or Excel: NFKC, upper case, no spaces, no Excel float tail ("80902.0")
CREATE OR REPLACE TEMP MACRO norm_code(x) AS
    nullif(regexp_replace(upper(regexp_replace(nfkc(x), '\s+', '', 'g')), '\.0+$', ''), '');

-- MoE major code: Excel drops the leading zero of codes such as 080902, so five digits get it back
CREATE OR REPLACE TEMP MACRO norm_major_code(x) AS
    CASE WHEN regexp_matches(norm_code(x), '^[0-9]{5}[TK]{0,2}$') THEN '0' || norm_code(x)
         ELSE norm_code(x) END;

-- counts written as people write them: "1,234", "120人", "３５" (thousands separators, units dropped)
CREATE OR REPLACE TEMP MACRO norm_number_text(x) AS
    nullif(regexp_replace(nfkc(x), '[\s,，人名个]|元/月|元', '', 'g'), '');

-- dates: ISO, slashes, dots, compact, Chinese, or an Excel serial day number (days since 1899-12-30)
CREATE OR REPLACE TEMP MACRO norm_date(x) AS
    CASE
        WHEN regexp_matches(norm_code(x), '^[0-9]{5}$')
            THEN (DATE '1899-12-30' + CAST(norm_code(x) AS INTEGER))::DATE
        ELSE try_strptime(
            regexp_replace(regexp_replace(norm_code(x), '[年月]', '-', 'g'), '日', '', 'g'),
            ['%Y-%m-%d', '%Y/%m/%d', '%Y.%m.%d', '%Y%m%d', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S']
        )::DATE
    END;

-- 是/否, yes/no, y/n, true/false, 1/0 → boolean; anything else NULL
CREATE OR REPLACE TEMP MACRO norm_bool(x) AS
    CASE lower(norm_code(x))
        WHEN '是' THEN true WHEN 'yes' THEN true WHEN 'y' THEN true WHEN 'true' THEN true WHEN '1' THEN true
        WHEN '否' THEN false WHEN 'no' THEN false WHEN 'n' THEN false WHEN 'false' THEN false WHEN '0' THEN false
    END;

-- internship outcome in Chinese or English → hired / completed / dropped
CREATE OR REPLACE TEMP MACRO norm_outcome(x) AS
    CASE lower(norm_code(x))
        WHEN '留用' THEN 'hired' WHEN 'hired' THEN 'hired' WHEN '录用' THEN 'hired'
        WHEN '完成' THEN 'completed' WHEN 'completed' THEN 'completed' WHEN '已完成' THEN 'completed'
        WHEN '中止' THEN 'dropped' WHEN 'dropped' THEN 'dropped' WHEN '终止' THEN 'dropped'
    END;

-- education level of a catalogue row: 本科 (bachelor) or 专科 (vocational)
CREATE OR REPLACE TEMP MACRO norm_level(x) AS
    CASE lower(norm_text(x))
        WHEN '本科' THEN '本科' WHEN 'bachelor' THEN '本科' WHEN 'undergraduate' THEN '本科'
        WHEN '专科' THEN '专科' WHEN '高职' THEN '专科' WHEN '高职专科' THEN '专科'
        WHEN 'vocational' THEN '专科' WHEN 'junior college' THEN '专科'
    END;
