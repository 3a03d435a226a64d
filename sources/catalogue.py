"""University major catalogues: one row is a university's major in a year (enrolment, graduates)."""

from sources.schema import (
    CITY,
    COUNT,
    LEVEL,
    MAJOR_CODE,
    PROVINCE,
    TEXT,
    UNIVERSITY_CODE,
    YEAR,
    Column,
    RowRule,
    SourceKind,
)

CATALOGUE = SourceKind(
    name="catalogue",
    description="university major catalogue",
    columns=(
        Column("year", "年份", YEAR, aliases=("招生年份", "学年")),
        Column("university_code", "院校代码", UNIVERSITY_CODE, aliases=("学校代码", "school_code")),
        Column("university_name", "院校名称", TEXT, aliases=("学校名称", "school_name", "university")),
        Column("province", "省份", PROVINCE, aliases=("所在省份", "省")),
        Column("city", "城市", CITY, aliases=("所在城市", "所在地", "市")),
        Column("level", "培养层次", LEVEL, aliases=("层次", "学历层次", "education_level")),
        Column("major_code", "专业代码", MAJOR_CODE, aliases=("code",)),
        Column("major_name", "专业名称", TEXT, aliases=("专业", "major")),
        Column("enrolment", "招生人数", COUNT, aliases=("招生数", "enrollment", "intake")),
        # empty graduates is allowed: supply is then projected from enrolment (METRICS.md)
        Column("graduates", "毕业生人数", COUNT, required=False, aliases=("毕业人数", "毕业生数")),
        Column("employed_in_province", "本省就业人数", COUNT, required=False, aliases=("省内就业人数",)),
    ),
    row_rules=(
        RowRule(
            "employed_in_province",
            "{employed_in_province} > {graduates}",
            "'employed in province (' || {employed_in_province} || ') exceeds graduates (' || {graduates} || ')'",
        ),
    ),
)
