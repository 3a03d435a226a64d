"""Export for the national platform: placements (pseudonymised: counted, never listed) aggregated by university
× internship base × internship type, as an XLSX in the field layout the MoE's 全国大学生实习公共服务平台
(sx.chsi.com.cn) collects from universities (`portal platform-export`).

The platform's own template (数据采集模板, downloaded by a university's account) is not public. The layout below
uses the platform's field names as universities' notices of 教高厅函〔2023〕1号 quote them — 实习类型 (认识实习 /
专业实习 / 生产实习 / 毕业实习), 实习组织形式 (集中实习 / 分散实习), 实习方式 (现场实习 / 虚拟实习 / 模拟实习),
实习单位名称 and 统一社会信用代码, 实习开始时间 and 实习结束时间 — and, instead of one row per student, the number of
students per university, base, type, organisation and mode, since the portal keeps no student in clear
(docs/metrics.md "Export for the national platform"). A group of fewer than five students shows no counts.
"""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook

from dashboard import formatting
from dashboard.queries import query

SHEET, NOTES_SHEET = "实习数据", "填报说明"
#: (platform field, column of marts.platform_placements)
FIELDS = (
    ("年份", "year"),
    ("院校代码", "university_code"),
    ("院校名称", "university_name"),
    ("实习基地编号", "base_id"),
    ("实习基地名称", "base_name"),
    ("实习单位名称", "enterprise_name"),
    ("实习单位统一社会信用代码", "enterprise_id"),
    ("实习单位所在省份", "province_name"),
    ("实习单位所在城市", "city_name"),
    ("实习类型", "internship_type"),
    ("实习组织形式", "organisation"),
    ("实习方式", "mode"),
    ("实习开始时间", "first_start"),
    ("实习结束时间", "last_end"),
    ("实习学生人数", "students"),
    ("实习人次", "placement_rows"),
    ("留用人数", "hired_rows"),
    ("完成人数", "completed_rows"),
    ("中止人数", "dropped_rows"),
    ("备注", "note"),
)
#: the portal's normalised values in the platform's words (its four types: 专业实习 and 生产实习 are one here)
VALUES = {
    "internship_type": {"cognitive": "认识实习", "production": "生产实习（含专业实习）",
                        "graduation": "毕业实习（含岗位实习、顶岗实习）"},
    "organisation": {"centralised": "集中实习", "dispersed": "分散实习", "unknown": "未填写"},
    "mode": {"onsite": "现场实习", "virtual": "虚拟实习", "simulated": "模拟实习", "unknown": "未填写"},
}
SUPPRESSED_NOTE = "实习学生少于 5 人，人数不予显示"
NOTES = (
    ("数据来源", "校企合作门户 marts.platform_placements（构建 {build}）"),
    ("汇总口径", "每行为一所院校、一个实习基地、一种实习类型、组织形式与实习方式在一年内的实习；"
             "学生以假名计数（HMAC），不含姓名、学号、身份证号、手机号"),
    ("实习开始时间 / 实习结束时间", "该组实习中最早的开始日期与最晚的结束日期"),
    ("实习类型", "认识实习；生产实习（含专业实习）；毕业实习（含岗位实习、顶岗实习）。未识别的填写按生产实习计"),
    ("小群体", "实习学生少于 5 人的组不显示人数（备注列说明）"),
    ("字段布局", "按各高校转发的教高厅函〔2023〕1号通知所列平台字段；平台模板本身须以院校账号下载，"
             "上报前请与其核对列名"),
)


def placements(year: int | None = None, university_code: str | None = None) -> pd.DataFrame:
    return query(
        "SELECT * FROM marts.platform_placements WHERE (? IS NULL OR year = ?) AND (? IS NULL OR university_code = ?) "
        "ORDER BY year, university_code, base_id, internship_type, organisation, mode",
        (year, year, university_code, university_code),
    )


def _text(value: object) -> object:
    """A cell value: text that a spreadsheet would run as a formula is kept as text by the caller."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def workbook(frame: pd.DataFrame, build: str) -> bytes:
    """The rows in the platform's layout (sheet 实习数据) and what each field means (sheet 填报说明)."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append([name for name, _ in FIELDS])
    for row in frame.itertuples(index=False):
        values = row._asdict()
        values["note"] = SUPPRESSED_NOTE if values["suppressed"] else None
        for column, names in VALUES.items():
            values[column] = names.get(values[column], values[column])
        sheet.append([_text(values[column]) for _, column in FIELDS])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith(formatting.FORMULA_STARTS)):
                cell.data_type = "s"
                cell.quotePrefix = True
            elif hasattr(cell.value, "year") and not isinstance(cell.value, int):
                cell.number_format = "yyyy-mm-dd"
    notes = book.create_sheet(NOTES_SHEET)
    notes.append(["项目", "说明"])
    for name, text in NOTES:
        notes.append([name, text.format(build=build)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export(year: int | None = None, university_code: str | None = None) -> tuple[bytes, int]:
    """The workbook of the published warehouse's placements (of a year and a university when given) and its
    row count."""
    frame = placements(year, university_code)
    build = query("SELECT build_id FROM audit.build")
    return workbook(frame, build["build_id"].iloc[0] if not build.empty else "—"), len(frame)
