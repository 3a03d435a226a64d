"""University major catalogues: one row is a university's major in a year (enrolment, graduates)."""

from sources.schema import (
    CITY_COLUMN,
    COUNT,
    LEVEL,
    MAJOR_CODE_COLUMN,
    PROVINCE_COLUMN,
    TEXT,
    UNIVERSITY_CODE_COLUMN,
    YEAR,
    Column,
    RowRule,
    SourceKind,
    submitter_scope_rule,
)

CATALOGUE = SourceKind(
    name="catalogue",
    description="university major catalogue",
    columns=(
        Column("year", "年份", YEAR, aliases=("招生年份", "学年")),
        UNIVERSITY_CODE_COLUMN,
        Column("university_name", "院校名称", TEXT, aliases=("学校名称", "school_name", "university")),
        PROVINCE_COLUMN,
        CITY_COLUMN,
        Column("level", "培养层次", LEVEL, aliases=("层次", "学历层次", "education_level")),
        MAJOR_CODE_COLUMN,
        Column("major_name", "专业名称", TEXT, aliases=("专业", "major")),
        Column("enrolment", "招生人数", COUNT, aliases=("招生数", "enrollment", "intake")),
        # empty graduates is allowed: supply is then projected from enrolment (METRICS.md)
        Column("graduates", "毕业生人数", COUNT, required=False, aliases=("毕业人数", "毕业生数")),
        Column("employed_in_province", "本省就业人数", COUNT, required=False, aliases=("省内就业人数",)),
        # the major's core courses (专业核心课程), separated by 、 , ; or /; mapped to skills through the skills
        # vocabulary's course aliases (docs/metrics.md "Skills and pay"). Optional: files without it still load
        Column("core_courses", "核心课程", TEXT, required=False, aliases=("专业核心课程", "主干课程", "courses")),
    ),
    row_rules=(
        submitter_scope_rule("university_code", "university"),
        RowRule(
            "employed_in_province",
            "{employed_in_province} > {graduates}",
            "'employed in province (' || {employed_in_province} || ') exceeds graduates (' || {graduates} || ')'",
        ),
    ),
)
