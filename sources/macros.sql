-- Normalisation macros used when source files are read (sources/schema.py builds the per-column SQL
-- from them). TEMP macros: they live for one connection and never in the published warehouse.
-- Every macro takes text that is already folded to NFKC (full-width letters, digits and spaces folded:
-- Ｓｏｆｔ　０１ → Soft 01, as DESIGN.md asks); `nfkc(text)` is a vectorised UDF (sources/folding.py),
-- applied once per cell and only to files that need it.
-- A macro is inlined where it is used, so none of them names an expensive argument twice: the callers
-- compute a cell's code or text form once (sources/schema.py, PREPARED) and pass it in.

-- text: whitespace runs folded to one space, trimmed; empty becomes NULL
-- (RE2's \s is ASCII whitespace, so `has_space` finds every cell the regular expressions would change, and the
-- far more common cells without any skip them.)
CREATE OR REPLACE TEMP MACRO has_space(x) AS
    contains(x, ' ') OR contains(x, chr(9)) OR contains(x, chr(10)) OR contains(x, chr(13)) OR contains(x, chr(12));
CREATE OR REPLACE TEMP MACRO norm_text(x) AS
    CASE WHEN has_space(x) THEN nullif(trim(regexp_replace(x, '\s+', ' ', 'g')), '') ELSE nullif(x, '') END;

-- a code as typed by people or Excel: upper case, no spaces, no Excel float tail ("80902.0"). Only a cell with
-- whitespace or a possible tail (ends in 0, has a dot) pays for the regular expressions.
CREATE OR REPLACE TEMP MACRO norm_code(x) AS
    CASE WHEN has_space(x) OR (suffix(x, '0') AND contains(x, '.'))
         THEN nullif(regexp_replace(upper(regexp_replace(x, '\s+', '', 'g')), '\.0+$', ''), '')
         ELSE nullif(upper(x), '') END;

-- MoE major code (from a code): Excel drops the leading zero of codes such as 080902, so five digits get it
-- back
CREATE OR REPLACE TEMP MACRO major_code_of(code) AS
    CASE WHEN length(code) BETWEEN 5 AND 7 AND regexp_matches(code, '^[0-9]{5}[TK]{0,2}$') THEN '0' || code
         ELSE code END;

-- counts written as people write them: "1,234", "120人", "３５" (thousands separators, units dropped)
CREATE OR REPLACE TEMP MACRO norm_number_text(x) AS
    nullif(regexp_replace(x, '[\s,，人名个]|元/月|元', '', 'g'), '');

-- dates (from a code): ISO, slashes, dots, compact, Chinese, or an Excel serial day number (days since
-- 1899-12-30). A plain year-month-day with one kind of separator is cast (a cast alone would take far more:
-- five-digit years, 'infinity', mixed separators); the compact and serial forms are cut up; only the rest
-- pays for strptime. A time may follow after a T (as XLSX date-times are read), not after a space, which the
-- code form has removed.
CREATE OR REPLACE TEMP MACRO date_of(code) AS
    CASE
        WHEN length(code) IN (5, 8) AND regexp_matches(code, '^[0-9]+$') THEN
            -- (eight digits: strptime takes them as four, two and two, and gives what the cast of YYYY-MM-DD
            -- gives for every one of them, without building that text)
            CASE WHEN length(code) = 5 THEN (DATE '1899-12-30' + CAST(code AS INTEGER))::DATE
                 ELSE try_strptime(code, '%Y%m%d')::DATE
            END
        WHEN regexp_matches(code, '^[0-9]{4}(?:-[0-9]{1,2}-|/[0-9]{1,2}/|\.[0-9]{1,2}\.)[0-9]{1,2}$')
            THEN try_cast(replace(replace(code, '.', '-'), '/', '-') AS DATE)
        -- every format starts with the year (and DuckDB's strptime reads 'infinity' and 'epoch' as 1900-01-01)
        WHEN regexp_matches(code, '^[0-9]{4}') THEN try_strptime(
            regexp_replace(regexp_replace(code, '[年月]', '-', 'g'), '日', '', 'g'),
            ['%Y-%m-%d', '%Y/%m/%d', '%Y.%m.%d', '%Y%m%d', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S']
        )::DATE
    END;

-- 是/否, yes/no, y/n, true/false, 1/0 (from a code) → boolean; anything else NULL
CREATE OR REPLACE TEMP MACRO bool_of(code) AS
    CASE lower(code)
        WHEN '是' THEN true WHEN 'yes' THEN true WHEN 'y' THEN true WHEN 'true' THEN true WHEN '1' THEN true
        WHEN '否' THEN false WHEN 'no' THEN false WHEN 'n' THEN false WHEN 'false' THEN false WHEN '0' THEN false
    END;

-- internship outcome in Chinese or English (from a code) → hired / completed / dropped
CREATE OR REPLACE TEMP MACRO outcome_of(code) AS
    CASE lower(code)
        WHEN '留用' THEN 'hired' WHEN 'hired' THEN 'hired' WHEN '录用' THEN 'hired'
        WHEN '完成' THEN 'completed' WHEN 'completed' THEN 'completed' WHEN '已完成' THEN 'completed'
        WHEN '中止' THEN 'dropped' WHEN 'dropped' THEN 'dropped' WHEN '终止' THEN 'dropped'
    END;

-- education level of a catalogue row (from text): 本科 (bachelor) or 专科 (vocational)
CREATE OR REPLACE TEMP MACRO level_of(text) AS
    CASE lower(text)
        WHEN '本科' THEN '本科' WHEN 'bachelor' THEN '本科' WHEN 'undergraduate' THEN '本科'
        WHEN '专科' THEN '专科' WHEN '高职' THEN '专科' WHEN '高职专科' THEN '专科'
        WHEN 'vocational' THEN '专科' WHEN 'junior college' THEN '专科'
    END;

-- a survey's 学历要求 (from text) → the minimum level it asks for: 专科, 本科, 研究生 or 不限 (METRICS.md
-- "Demand", docs/metrics.md "Levels"). "X及以上" asks for at least X, so its minimum is X; a doctorate is a
-- graduate degree. Any other wording is NULL, and the row is quarantined with its text.
CREATE OR REPLACE TEMP MACRO education_level_of(text) AS
    CASE lower(replace(text, ' ', ''))
        WHEN '专科' THEN '专科' WHEN '大专' THEN '专科' WHEN '高职' THEN '专科' WHEN '高职专科' THEN '专科'
        WHEN '专科及以上' THEN '专科' WHEN '大专及以上' THEN '专科' WHEN '专科以上' THEN '专科'
        WHEN '大专以上' THEN '专科' WHEN '高职及以上' THEN '专科'
        WHEN 'vocational' THEN '专科' WHEN 'juniorcollege' THEN '专科'
        WHEN '本科' THEN '本科' WHEN '本科及以上' THEN '本科' WHEN '本科以上' THEN '本科' WHEN '学士' THEN '本科'
        WHEN '学士及以上' THEN '本科' WHEN 'bachelor' THEN '本科' WHEN 'undergraduate' THEN '本科'
        WHEN '研究生' THEN '研究生' WHEN '研究生及以上' THEN '研究生' WHEN '硕士' THEN '研究生'
        WHEN '硕士研究生' THEN '研究生' WHEN '硕士及以上' THEN '研究生' WHEN '硕士以上' THEN '研究生'
        WHEN '博士' THEN '研究生' WHEN '博士研究生' THEN '研究生' WHEN '博士及以上' THEN '研究生'
        WHEN 'master' THEN '研究生' WHEN 'doctor' THEN '研究生' WHEN 'phd' THEN '研究生'
        WHEN 'postgraduate' THEN '研究生'
        WHEN '不限' THEN '不限' WHEN '无要求' THEN '不限' WHEN '学历不限' THEN '不限' WHEN '无' THEN '不限'
        WHEN 'any' THEN '不限'
    END;
