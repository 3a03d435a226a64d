"""Internship placements: one row is one student's internship at a base.

The files carry personal data. Names, ID numbers, phone numbers and e-mail addresses are recognised (under
the headers offices give them) so that they are never read; the student number only leaves the reader as a
keyed hash (sources/pseudonymise.py).
"""

from sources.schema import (
    BASE_ID_COLUMN,
    DATE,
    ENTERPRISE_ID,
    MAJOR_CODE_COLUMN,
    OUTCOME,
    PERSONAL,
    STUDENT_ID,
    TEXT,
    UNIVERSITY_CODE_COLUMN,
    YEAR,
    Column,
    RowRule,
    SourceKind,
    submitter_scope_rule,
)

PLACEMENTS = SourceKind(
    name="placements",
    description="internship placement records",
    columns=(
        Column("year", "年份", YEAR, aliases=("实习年份",)),
        Column("student_id", "学号", STUDENT_ID, aliases=("学生编号", "student_no", "student_number")),
        # personal columns under the headers offices give them (header_key ignores case, spaces, _ and -: e-mail)
        Column("student_name", "姓名", PERSONAL, required=False,
               aliases=("学生姓名", "名字", "学生名字", "真实姓名", "name", "full_name")),
        Column("id_number", "身份证号", PERSONAL, required=False,
               aliases=("身份证号码", "身份证", "证件号", "证件号码", "身份证件号", "身份证件号码", "公民身份号码",
                        "id_card", "id_no", "idcard_no")),
        Column("phone", "手机号", PERSONAL, required=False,
               aliases=("手机号码", "手机", "联系电话", "电话", "电话号码", "联系方式", "移动电话", "mobile",
                        "telephone", "tel", "cellphone")),
        Column("email", "邮箱", PERSONAL, required=False,
               aliases=("电子邮件", "电子邮箱", "邮件", "邮箱地址", "电子邮件地址", "mail")),
        UNIVERSITY_CODE_COLUMN,
        MAJOR_CODE_COLUMN,
        BASE_ID_COLUMN,
        Column("start_date", "开始日期", DATE, aliases=("实习开始日期", "开始时间", "start")),
        Column("end_date", "结束日期", DATE, aliases=("实习结束日期", "结束时间", "end")),
        Column("outcome", "实习结果", OUTCOME, aliases=("结果", "实习结论")),
        # optional fields of the MoE national internship platform (SCENARIO.md), kept as written: the warehouse
        # normalises them (warehouse/models/macros.sql, docs/metrics.md "Internship types"), so an
        # unrecognised wording still loads (as a production internship) and is listed, never quarantined
        Column("internship_type", "实习类型", TEXT, required=False,
               aliases=("实习类别", "实习种类", "type", "internship type", "internship_type")),
        Column("organisation", "组织方式", TEXT, required=False,
               aliases=("组织形式", "实习组织方式", "organisation", "organization")),
        Column("mode", "实习形式", TEXT, required=False,
               aliases=("实习方式", "实习模式", "mode", "internship mode")),
        # the host's unified social credit code, as the platform records it: the base already names its host,
        # so a code that contradicts the base's is a wrong row (row rule below)
        Column("host_enterprise_id", "实习单位统一社会信用代码", ENTERPRISE_ID, required=False,
               aliases=("实习单位信用代码", "单位统一社会信用代码", "统一社会信用代码", "host_uscc", "host_credit_code")),
    ),
    row_rules=(
        submitter_scope_rule("university_code", "university"),
        RowRule("year", "{year} <> year({start_date})",
                "'year ' || {year} || ' is not the year of the start date ' || {start_date}"),
        RowRule("end_date", "{end_date} < {start_date}",
                "'end date ' || {end_date} || ' is before start date ' || {start_date}"),
        RowRule("base_id", "NOT coalesce({base_id} IN (SELECT base_id FROM raw.bases), false)",
                "'unknown base ' || coalesce({base_id}, '(empty)') || ' (not in any loaded internship-base file)'"),
        RowRule("host_enterprise_id",
                "{host_enterprise_id} IS NOT NULL AND {base_id} IN (SELECT base_id FROM raw.bases) AND NOT "
                "coalesce({host_enterprise_id} IN (SELECT enterprise_id FROM raw.bases WHERE base_id = {base_id}),"
                " false)",
                "'host ' || {host_enterprise_id} || ' is not the enterprise of base ' || {base_id}"),
    ),
)
