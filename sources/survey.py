"""Enterprise skill-demand surveys: one row is one position an enterprise wants to fill.

The majors cell may name several majors, by code or by name; each gets headcount / k (METRICS.md).
"""

from sources.schema import (
    AMOUNT,
    BOOL,
    CITY,
    COUNT,
    ENTERPRISE_ID,
    INDUSTRY_CODE,
    MAJOR_LIST,
    PROVINCE,
    TEXT,
    YEAR,
    Column,
    SourceKind,
)

SURVEY = SourceKind(
    name="survey",
    description="enterprise skill-demand survey",
    columns=(
        Column("survey_year", "调查年份", YEAR, aliases=("年份", "year")),
        Column("enterprise_id", "统一社会信用代码", ENTERPRISE_ID, aliases=("企业代码", "信用代码", "uscc")),
        Column("enterprise_name", "企业名称", TEXT, aliases=("单位名称", "enterprise")),
        Column("industry_code", "行业代码", INDUSTRY_CODE, aliases=("所属行业代码", "industry")),
        Column("province", "省份", PROVINCE, aliases=("所在省份", "省")),
        Column("city", "城市", CITY, aliases=("所在城市", "所在地", "市")),
        Column("position", "岗位名称", TEXT, aliases=("岗位", "job_title")),
        Column("majors", "需求专业", MAJOR_LIST, aliases=("专业要求", "major", "major_codes")),
        Column("education", "学历要求", TEXT, aliases=("学历",)),
        Column("headcount", "需求人数", COUNT, aliases=("招聘人数", "人数")),
        Column("skills", "技能要求", TEXT, required=False, aliases=("技能",)),
        Column("hosts_interns", "是否接收实习生", BOOL, required=False, aliases=("接收实习生",)),
        Column("monthly_salary", "月薪", AMOUNT, required=False, aliases=("薪资", "salary")),
    ),
)
