"""Internship (practical-teaching) bases: an enterprise hosting interns of one university."""

from sources.schema import (
    BASE_ID_COLUMN,
    CITY_COLUMN,
    COUNT,
    ENTERPRISE_ID_COLUMN,
    TEXT,
    UNIVERSITY_CODE_COLUMN,
    YEAR,
    Column,
    RowRule,
    SourceKind,
    submitter_scope_rule,
)

BASES = SourceKind(
    name="bases",
    description="internship base register",
    columns=(
        BASE_ID_COLUMN,
        Column("base_name", "基地名称", TEXT, aliases=("基地",)),
        ENTERPRISE_ID_COLUMN,
        UNIVERSITY_CODE_COLUMN,
        CITY_COLUMN,
        Column("established_year", "建立年份", YEAR, aliases=("建立时间", "设立年份")),
        Column("capacity_per_year", "年接收能力", COUNT, aliases=("年接收人数", "接收能力", "capacity")),
    ),
    row_rules=(
        submitter_scope_rule("university_code", "university"),
        # a base id is a key: a second row with the same id (but other values) would double its capacity
        RowRule(
            "base_id",
            "count(*) OVER (PARTITION BY {base_id}) > 1 AND "
            "row_number() OVER (PARTITION BY {base_id} ORDER BY {source_row}) > 1",
            "'base id ' || {base_id} || ' already given on an earlier row of this file'",
        ),
    ),
)
