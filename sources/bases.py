"""Internship (practical-teaching) bases: an enterprise hosting interns of one university."""

from sources.schema import (
    CITY,
    COUNT,
    ENTERPRISE_ID,
    TEXT,
    UNIVERSITY_CODE,
    YEAR,
    Column,
    RowRule,
    SourceKind,
)

BASES = SourceKind(
    name="bases",
    description="internship base register",
    columns=(
        Column("base_id", "基地编号", TEXT, aliases=("基地代码", "base_code")),
        Column("base_name", "基地名称", TEXT, aliases=("基地",)),
        Column("enterprise_id", "统一社会信用代码", ENTERPRISE_ID, aliases=("企业代码", "信用代码", "uscc")),
        Column("university_code", "院校代码", UNIVERSITY_CODE, aliases=("学校代码",)),
        Column("city", "城市", CITY, aliases=("所在城市", "所在地")),
        Column("established_year", "建立年份", YEAR, aliases=("建立时间", "设立年份")),
        Column("capacity_per_year", "年接收能力", COUNT, aliases=("年接收人数", "接收能力", "capacity")),
    ),
    row_rules=(
        # a base id is a key: a second row with the same id (but other values) would double its capacity
        RowRule(
            "base_id",
            "count(*) OVER (PARTITION BY {base_id}) > 1 AND "
            "row_number() OVER (PARTITION BY {base_id} ORDER BY r.source_row) > 1",
            "'base id ' || {base_id} || ' already given on an earlier row of this file'",
        ),
    ),
)
