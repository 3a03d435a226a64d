"""Enterprise skill-demand surveys: one row is one position an enterprise wants to fill.

The majors cell may name several majors, by code or by name; each gets headcount / k (METRICS.md). The
education cell is stored as the minimum level it asks for.
"""

from sources.schema import (
    AMOUNT,
    BOOL,
    CITY_COLUMN,
    COUNT,
    ENTERPRISE_ID_COLUMN,
    INDUSTRY_CODE,
    MAJOR_LIST,
    PROVINCE_COLUMN,
    TEXT,
    YEAR,
    Check,
    Column,
    ColumnType,
    SourceKind,
    submitter_scope_rule,
)

#: 学历要求 → the minimum level asked for (专科 / 本科 / 研究生 / 不限; sources/macros.sql education_level_of)
EDUCATION = ColumnType(
    "education",
    "VARCHAR",
    "education_level_of({p})",
    (Check("{v} IS NULL", "'unknown education requirement ' || coalesce('''' || {c} || '''', 'empty') || "
                          "' (专科/大专, 本科, 研究生/硕士/博士 or 不限, optionally 及以上)'"),),
    prepare="text",
)

SURVEY = SourceKind(
    name="survey",
    description="enterprise skill-demand survey",
    columns=(
        Column("survey_year", "调查年份", YEAR, aliases=("年份", "year")),
        ENTERPRISE_ID_COLUMN,
        Column("enterprise_name", "企业名称", TEXT, aliases=("单位名称", "enterprise")),
        Column("industry_code", "行业代码", INDUSTRY_CODE, aliases=("所属行业代码", "industry")),
        PROVINCE_COLUMN,
        CITY_COLUMN,
        Column("position", "岗位名称", TEXT, aliases=("岗位", "job_title")),
        Column("majors", "需求专业", MAJOR_LIST, aliases=("专业要求", "major", "major_codes")),
        Column("education", "学历要求", EDUCATION, aliases=("学历",)),
        Column("headcount", "需求人数", COUNT, aliases=("招聘人数", "人数")),
        Column("skills", "技能要求", TEXT, required=False, aliases=("技能",)),
        Column("hosts_interns", "是否接收实习生", BOOL, required=False, aliases=("接收实习生",)),
        Column("monthly_salary", "月薪", AMOUNT, required=False, aliases=("薪资", "salary")),
    ),
    row_rules=(submitter_scope_rule("enterprise_id", "enterprise"),),
)
