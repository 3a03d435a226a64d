"""All text the dashboard shows, in Chinese (the default) and English (`?lang=en`).

A page never writes a literal string: it asks `t(key)`, so both languages stay complete and a page is never
half in one language. Names of majors, cities, provinces, industries and universities come from the
reference lists, which carry both (`*_name` and `*_name_en`); `name_column` picks the right one.

The texts here are Markdown, and Streamlit renders Markdown in far more than st.markdown: titles, captions,
alerts, and the labels of expanders, tabs, metrics and widgets. A value from data (a name from the warehouse,
a file or user name, a message quoting one) goes into such a text only through `plain`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from sources.landing_folder import printable
from warehouse import settings

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
LANG_KEY = "lang"  # session-state key (not owned by a widget) and query parameter

TEXT: dict[str, tuple[str, str]] = {
    # --- app and navigation
    "app_title": ("校企合作门户", "School–enterprise cooperation portal"),
    "page_overview": ("总览", "Overview"),
    "page_majors": ("专业", "Majors"),
    "page_industries": ("产业", "Industries"),
    "page_internships": ("实习", "Internships"),
    "page_pairings": ("校企配对", "Pairings"),
    "page_scorecard": ("专业评分", "Scorecard"),
    "page_skills": ("技能", "Skills"),
    "page_data": ("数据", "Data"),
    "language": ("语言", "Language"),
    "filters": ("筛选", "Filters"),
    "year": ("年份", "Year"),
    "province": ("省份", "Province"),
    "city": ("城市", "City"),
    "all_provinces": ("东北三省（全部）", "All of the Northeast"),
    "all_cities": ("全部城市", "All cities"),
    "region_name": ("东北三省", "the Northeast"),
    "loading": ("正在查询…", "Loading…"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "download_xlsx": ("下载 Excel", "Download Excel"),
    "no_rows": ("所选范围内没有数据。", "No data for this selection."),
    "projection_note": ("部分供给为按招生人数推算的预测值（毕业生数尚未公布）。",
                        "Some supply figures are projections from enrolment (graduates not yet reported)."),
    # --- missing warehouse
    "no_warehouse_title": ("还没有可用的数据仓库", "No warehouse to show yet"),
    "no_warehouse_body": (
        "在 `{path}` 没有找到已发布的数据仓库（或它还没有构建完成）。请先构建：\n\n"
        "- 演示数据：在项目目录运行 `make demo`；\n"
        "- 自己的文件：把文件放进导入目录，然后运行 `portal build --landing 目录 --warehouse {path}`。\n\n"
        "构建完成后刷新本页即可，无需重启。",
        "No published warehouse was found at `{path}` (or it is not fully built). Build one first:\n\n"
        "- the demo: run `make demo` in the project folder;\n"
        "- your own files: drop them into the landing folder and run "
        "`portal build --landing DIR --warehouse {path}`.\n\n"
        "Reload this page when the build has finished; no restart is needed.",
    ),
    "warehouse_error": ("读取数据仓库时出错：{error}。请稍后刷新，或重新构建。",
                        "The warehouse could not be read: {error}. Reload in a moment, or rebuild it."),
    # --- signing in and accounts (dashboard/auth.py, app_pages/admin.py)
    "page_admin": ("账户管理", "Accounts"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出登录", "Sign out"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "signed_in_as": ("已登录：{name}（{role}，{scope}）", "Signed in: {name} ({role}, {scope})"),
    # the same answer whatever the reason (an unknown name, a wrong password, a locked or disabled account)
    "sign_in_refused": ("用户名或密码不正确，或账户已锁定（连续 {attempts} 次登录失败后锁定 {minutes} 分钟）或已停用。"
                        "如需帮助，请联系数据管理员。",
                        "Wrong user name or password, or the account is locked ({attempts} failed sign-ins in a row "
                        "lock it for {minutes} minutes) or disabled. Ask your data staff if you need help."),
    "sign_in_unavailable": ("暂时无法登录（账户数据库不可用）：{error}", "Signing in is unavailable (the account database "
                            "cannot be reached): {error}"),
    "sign_in_required_title": ("请先登录", "Please sign in"),
    "sign_in_required": ("登录后才能查看此页。请在左侧边栏登录。", "Sign in to see this page: the form is in the sidebar."),
    "signed_out": ("已退出登录。", "Signed out."),
    "role_education": ("教育主管部门", "education department"),
    "role_university": ("高校", "university"),
    "role_enterprise": ("企业", "enterprise"),
    "role_data_staff": ("数据管理员", "data staff"),
    "scope_everything": ("全部数据", "everything"),
    "staff_only": ("只有数据管理员可以查看此页。", "Only the data staff may see this page."),
    "page_refused_title": ("此页需要其他角色", "This page needs another role"),
    "signed_in_needs_other": ("你当前以{role}身份登录。如需查看，请退出后用有权限的账户登录。",
                              "You are signed in as {role}: to see it, sign out and sign in with an account "
                              "that may."),
    "admin_accounts": ("账户", "Accounts"),
    "admin_add": ("新建账户", "Add an account"),
    "admin_display_name": ("显示名称", "Display name"),
    "admin_role": ("角色", "Role"),
    "admin_scope": ("范围", "Scope"),
    "admin_scope_help": ("教育主管部门：省份（如 辽宁省）或 northeast（东北三省）；高校：院校代码（如 10145）；"
                         "企业：统一社会信用代码；数据管理员：留空。",
                         "Education department: a province (e.g. 辽宁省) or northeast (the whole region); "
                         "university: its code (e.g. 10145); enterprise: its unified social credit code; "
                         "data staff: leave empty."),
    "admin_add_button": ("新建并生成密码", "Add with a generated password"),
    "admin_change": ("停用、启用或重置密码", "Disable, enable or reset a password"),
    "admin_account": ("账户", "Account"),
    "admin_disable": ("停用", "Disable"),
    "admin_enable": ("启用", "Enable"),
    "admin_reset": ("重置密码", "Reset the password"),
    "admin_added": ("已新建账户 {username}。", "Added {username}."),
    "admin_disabled": ("已停用 {username}，其登录已失效。", "Disabled {username}; it is signed out."),
    "admin_enabled": ("已启用 {username}。", "Enabled {username}."),
    "admin_reset_done": ("已为 {username} 设置新密码，锁定已解除，原有登录已失效。",
                         "New password set for {username}; its lock is lifted and its sessions ended."),
    "admin_password_once": ("{username} 的密码（只显示这一次，请当面交给本人）：",
                            "The password of {username} (shown this once: hand it over in person):"),
    "admin_not_yourself": ("不能停用自己的账户。", "You cannot disable your own account."),
    "admin_audit": ("审计日志（最近 {n} 条）", "Audit log (latest {n})"),
    "admin_cli": ("命令行也可以管理账户：`portal users add|list|disable|enable|reset-password`。",
                  "The command line does the same: `portal users add|list|disable|enable|reset-password`."),
    "audit_account_added": ("新建账户", "account added"),
    "audit_account_disabled": ("停用账户", "account disabled"),
    "audit_account_enabled": ("启用账户", "account enabled"),
    "audit_password_reset": ("重置密码", "password reset"),
    "audit_sign_in": ("登录", "signed in"),
    "audit_sign_in_failed": ("登录失败", "sign-in failed"),
    "audit_sign_in_refused": ("拒绝登录", "sign-in refused"),
    "audit_account_locked": ("账户锁定", "account locked"),
    "audit_sign_out": ("退出登录", "signed out"),
    "audit_submitted": ("提交数据", "data submitted"),
    # --- submitting data (/submit)
    "page_submit": ("提交数据", "Submit data"),
    "submit_title": ("提交数据", "Submit data"),
    "submit_intro": ("以 {scope} 的名义提交文件：文件先按与构建相同的规则检查，确认后放入落地目录，下一次构建时载入。"
                     "每个文件不超过 {mb} MB，格式为 {types}；只载入属于本单位的行，其他行会被隔离。",
                     "Submit files as {scope}: each is checked with the same rules as a build, and once confirmed "
                     "goes into the landing folder and is loaded by the next build. At most {mb} MB per file, as "
                     "{types}; only your own rows load, any other row is quarantined."),
    "submit_not_for_you": ("只有高校、企业和数据管理员可以提交数据。",
                           "Only universities, enterprises and the data staff may submit data."),
    "submit_mine": ("我的提交", "My submissions"),
    "submit_none_yet": ("还没有提交。", "Nothing submitted yet."),
    "submit_col_at": ("提交时间", "Submitted"),
    "submit_col_kind": ("类型", "Kind"),
    "submit_col_file": ("文件", "File"),
    "submit_col_status": ("状态", "Status"),
    "submit_col_read": ("读取行数", "Rows read"),
    "submit_col_loaded": ("载入行数", "Rows loaded"),
    "submit_col_replaced": ("其中已被替换", "Of these, replaced"),
    "submit_col_quarantined": ("隔离行数", "Rows quarantined"),
    "submit_col_row": ("行", "Row"),
    "submit_col_column": ("列", "Column"),
    "submit_col_reason": ("原因", "Reason"),
    "submit_status_waiting": ("等待构建", "waiting for a build"),
    "submit_status_loaded": ("已在构建 {build} 中载入", "loaded in build {build}"),
    "submit_status_rejected": ("被拒绝：{reason}", "rejected: {reason}"),
    "submit_waiting_help": ("数据构建监测到新文件会自动开始构建；也可以现在就开始。",
                            "The landing-folder sensor starts a build for new files; you can also start one now."),
    "submit_build_now": ("立即开始构建", "Start a build now"),
    "submit_build_started": ("构建已开始，完成后这里会显示结果。",
                             "A build has started; its result shows here when it is done."),
    "submit_build_running": ("已有构建在运行（{holder}），完成后会显示结果；请稍后再试。",
                             "A build is running ({holder}); its result shows here when it is done."),
    "submit_file": ("上传文件", "Upload a file"),
    "submit_kind": ("数据类型", "Kind of data"),
    "submit_upload": ("选择文件（不超过 {mb} MB）", "Choose a file (at most {mb} MB)"),
    "submit_checking": ("正在检查文件…", "Checking the file…"),
    "submit_busy": ("服务器正在检查其他用户的文件，请稍后再试。",
                    "The server is busy checking other people's files: try again in a moment."),
    "submit_try_again": ("重新检查", "Check again"),
    "submit_will_load": ("将载入", "Will load"),
    "submit_will_quarantine": ("将隔离", "Will be quarantined"),
    "submit_confirm": ("确认提交（载入 {n} 行）", "Confirm ({n} rows will load)"),
    "submit_confirmed": ("已提交 {file}，等待下一次构建载入。", "Submitted {file}; the next build loads it."),
    "submit_file_rejected": ("整个文件无法载入：{reason}", "The whole file cannot be loaded: {reason}"),
    "submit_not_written": ("未能提交：{error}。请联系数据管理员。", "Not submitted: {error}. Tell the data staff."),
    "submit_rejected_not_written": ("整个文件无法载入，未提交。", "The whole file cannot be loaded; not submitted."),
    "submit_bad_type": ("只接受这些文件类型：{types}。", "Only these file types are accepted: {types}."),
    "submit_too_large": ("文件超过 {mb} MB，请拆分后再提交。", "The file is larger than {mb} MB; split it and submit the parts."),
    "submit_empty": ("文件是空的。", "The file is empty."),
    "submit_kind_not_yours": ("您的账户不能提交这类数据。", "Your account may not submit this kind of data."),
    "submit_unreadable": ("无法检查文件 {file}，未提交。请检查文件是否为正常的 CSV 或 XLSX；仍然不行时请联系数据管理员"
                          "（错误详情已记录在服务器日志中）。",
                          "{file} could not be checked; nothing was submitted. Check that it is a plain CSV or XLSX "
                          "file, and tell the data staff if it still fails (the details are in the server's log)."),
    "form_title": ("{year} 年企业用人需求调查", "{year} enterprise demand survey"),
    "form_intro": ("逐个添加岗位后提交；再次提交会替换该调查年份此前的回答。",
                   "Add your positions one by one, then submit; submitting again replaces your earlier "
                   "answers of that survey year."),
    "form_year": ("调查年份", "Survey year"),
    "form_year_round": ("{year}（当前调查轮次，看板所示年份）", "{year} (the current survey round, the year the dashboard shows)"),
    "form_year_this": ("{year}（今年）", "{year} (this year)"),
    "form_enterprise_name": ("企业名称", "Enterprise name"),
    "form_industry": ("所属行业", "Industry"),
    "form_city": ("所在城市", "City"),
    "form_position": ("岗位", "Position"),
    "form_majors": ("需求专业", "Majors wanted"),
    "form_majors_search": ("输入专业名称或代码搜索", "Type a major's name or code"),
    "form_education": ("学历要求", "Education"),
    "form_headcount": ("人数", "Headcount"),
    "form_skills": ("技能要求", "Skills"),
    "form_interns": ("接收实习生", "Hosts interns"),
    "form_salary": ("月薪（元，0 表示不填）", "Monthly salary (CNY, 0: not given)"),
    "form_add": ("添加岗位", "Add the position"),
    "form_remove_which": ("岗位", "Position"),
    "form_remove": ("删除此岗位", "Remove this position"),
    "form_submit": ("提交问卷（{n} 个岗位）", "Submit the survey ({n} positions)"),
    "form_no_positions": ("还没有岗位。", "No positions yet."),
    "form_position_incomplete": ("请填写岗位名称并至少选择一个需求专业。", "Give the position a name and choose at least one major."),
    "form_submitted": ("已提交 {year} 年问卷：{n} 个岗位将载入，{q} 个被隔离。",
                       "Submitted the {year} survey: {n} positions will load, {q} quarantined."),
    "form_choose": ("请选择", "Choose one"),
    "form_place_incomplete": ("请选择所属行业和所在城市。", "Choose the industry and the city."),
    "form_edit": ("修改此岗位", "Edit this position"),
    "form_save": ("保存对“{position}”的修改", "Save the changes to “{position}”"),
    "form_cancel_edit": ("取消修改", "Cancel the edit"),
    "form_replaces": ("提交将替换贵企业 {year} 年的全部问卷回答：{where}的 {n} 个岗位将由上表的 {m} 个岗位取代，"
                      "表中没有的岗位将被删除。",
                      "Submitting replaces your enterprise's whole answer for {year}: the {n} positions {where} are "
                      "replaced by the {m} listed above; a position not listed is removed."),
    "form_on_record_warehouse": ("已发布数据中现有", "now in the published data"),
    "form_on_record_waiting": ("您尚待构建载入的上一次提交中", "of your last submission, waiting for a build,"),
    "form_replaces_nothing": ("已发布数据中贵企业 {year} 年还没有岗位：提交后，上表的 {m} 个岗位即为该年的全部回答。",
                              "The published data holds no positions of your enterprise for {year}: once "
                              "submitted, the {m} listed above are its whole answer for that year."),
    "form_record_unreadable": ("暂时无法读取已发布的数据，表单无法显示贵企业现有的回答；提交仍会替换该年的全部回答，"
                               "请稍后再试。",
                               "The published data cannot be read just now, so the form cannot show your "
                               "enterprise's answer on record; a submission would still replace the whole answer "
                               "for the year. Try again later."),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "state_active": ("正常", "active"),
    "state_disabled": ("已停用", "disabled"),
    "state_locked": ("锁定至 {until}", "locked until {until}"),
    "account_error_bad_username": ("用户名须为 2–64 个字母、数字或 . _ - @，以字母或数字开头。",
                                   "A user name is 2 to 64 letters, digits, '.', '_', '-' or '@', starting with a "
                                   "letter or digit."),
    "account_error_username_taken": ("已有名为 {value} 的账户。", "An account named {value} already exists."),
    "account_error_unknown_account": ("没有名为 {value} 的账户。", "No account named {value}."),
    "account_error_unknown_role": ("未知角色：{value}", "Unknown role: {value}"),
    "account_error_scope_required": ("该角色需要填写范围。", "This role needs a scope."),
    "account_error_scope_not_allowed": ("数据管理员可查看全部数据，不填范围。", "Data staff see everything: leave the scope empty."),
    "account_error_unknown_province": ("不是本地区的省份，也不是 northeast（东北三省）：{value}",
                                       "Not a province of the region, nor northeast (the whole region): {value}"),
    "account_error_unknown_university": ("院校名单中没有代码为 {value} 的高校。",
                                         "No university with code {value} in the university list."),
    "account_error_bad_credit_code": ("不是 18 位统一社会信用代码：{value}",
                                      "Not an 18-character unified social credit code: {value}"),
    "account_error_credit_code_like_id_number": (
        "该信用代码形如身份证号，数据仓库从不保存此类号码：该企业的数据与提交都无法载入。",
        "This credit code has the shape of an ID number, which the warehouse never stores: the enterprise's rows "
        "could not load, nor its submissions."),
    "account_error_short_password": ("密码至少需要 {n} 个字符。", "A password needs at least {n} characters."),
    # --- statuses and recommendations
    "status_shortage": ("紧缺", "Shortage"),
    "status_balanced": ("平衡", "Balanced"),
    "status_surplus": ("过剩", "Surplus"),
    "status_unserved": ("无供给", "Unserved"),
    "status_no_demand": ("无需求", "No demand"),
    "status_imports": ("省内调入", "Imports"),
    "status_insufficient_data": ("数据不足", "Insufficient data"),
    "card_green": ("绿牌", "Green card"),
    "card_yellow": ("黄牌", "Yellow card"),
    "card_red": ("红牌", "Red card"),
    # --- legends and undefined figures (dashboard/palette.py, dashboard/formatting.py)
    "legend_card": ("专业预警", "Card"),
    "legend_series": ("供给与需求", "Supply and demand"),
    "legend_measure": ("指标", "Measure"),
    # --- scorecard, outlook and what-if (/scorecard)
    "scorecard_title": ("专业评分 · {subject} · {year}", "Scorecard · {subject} · {year}"),
    "scorecard_intro": ("每个专业的各项指标及其在本省同层次专业中的百分位，按你设定的权重加权得分（默认等权）。"
                        "权重写在网址里，复制网址即可分享这张评分表。",
                        "Each major's indicators and their percentile among the province's majors of the same "
                        "level, scored with the weights you set (equal by default). The weights are in the URL: "
                        "copy it to share this scorecard."),
    "scorecard_subject": ("评分对象", "Score"),
    "subject_province": ("{name}（全省）", "{name} (province)"),
    "scorecard_region_note": ("专业评分按省计算（百分位在同省专业之间比较）。侧边栏选的是{region}，这里先显示{province}；"
                              "在侧边栏选择省份，评分随之切换。",
                              "Scorecards are per province (percentiles compare a province's majors). The sidebar "
                              "shows {region}, so this opens on {province}; choose a province in the sidebar to "
                              "switch."),
    "weights": ("权重", "Weights"),
    "weights_reset": ("恢复等权", "Equal weights"),
    "indicator_alignment": ("供需比", "Alignment"),
    "indicator_demand_trend": ("需求趋势", "Demand trend"),
    "indicator_salary": ("薪资", "Salary"),
    "indicator_coverage": ("实习覆盖率", "Coverage"),
    "indicator_relevance": ("专业对口率", "Relevance"),
    "indicator_conversion": ("留用率", "Conversion"),
    "indicator_retention": ("本省就业率", "Retention"),
    "indicator_pending": ("{indicator}：本次构建无此数据", "{indicator}: not in this build"),
    "missing_indicators": ("缺少的指标不计入得分：{items}", "Missing indicators leave the score: {items}"),
    "score_chart": ("加权得分（按专业预警着色）", "Weighted score (coloured by card)"),
    "ax_score": ("得分（0–100）", "Score (0–100)"),
    "card_none": ("无预警", "No card"),
    "outlook": ("未来三年展望", "Outlook for the next three years"),
    "outlook_intro": ("供给按招生人数推算（本科 4 年、专科 3 年后毕业；最新目录年份之后的招生按最新一年计），需求占比沿近三年趋势线延伸（不低于 0）。"
                      "虚线为预测。",
                      "Supply projected from enrolment (graduating 4 years later for bachelors, 3 for vocational majors; cohorts "
                      "after the latest catalogue taken at its enrolment), demand share carried along its "
                      "three-year trend (never below 0). Dashed lines are forecasts."),
    "outlook_major": ("专业", "Major"),
    "forecast": ("预测", "Forecast"),
    "actual": ("实际", "Actual"),
    "legend_scenario": ("情景", "Scenario"),
    "legend_kind": ("实际 / 预测", "Actual / forecast"),
    "scenario_now": ("现状", "As it is"),
    "scenario_what_if": ("调整后", "With the change"),
    "what_if": ("如果调整招生……", "What if enrolment changed"),
    "what_if_intro": ("从某一年起调整一个或多个专业的招生（增减人数或百分比），比较全省该专业调整前后的展望与状态。"
                      "只在本次会话中计算，不写入任何数据。",
                      "Change the enrolment of one or more majors from a year on (± people or %) and compare the "
                      "province's outlook and status for them before and after. Computed in this session only; "
                      "nothing is written."),
    "what_if_university": ("高校", "University"),
    "what_if_majors": ("专业", "Majors"),
    "what_if_from": ("起始招生年份", "From enrolment year"),
    "what_if_unit": ("调整方式", "Change by"),
    "unit_percent": ("百分比", "Percent"),
    "unit_people": ("人数", "People"),
    "what_if_amount": ("调整幅度（%）", "Change (%)"),
    "what_if_people": ("调整人数（每届）", "Change (people per cohort)"),
    "what_if_reach": ("{year} 年入学的一届在 {graduates} 年毕业：展望延伸到 {last} 年。",
                      "The cohort enrolled in {year} graduates in {graduates}: the outlook reaches {last}."),
    "what_if_changed": ("状态变化：{items}", "Status changes: {items}"),
    "what_if_unchanged": ("调整后，所选专业在全省的预测状态不变。",
                          "With the change, the projected status of the chosen majors in the province is unchanged."),
    "what_if_none": ("选择高校与专业后即可比较。", "Choose a university and majors to compare."),
    "no_scorecard": ("这一年份与层次没有可评分的专业。", "No majors to score for this year and level."),
    # --- printable reports (portal report, download buttons)
    "report_title": ("{place} · {year} 年校企合作报告（{level}）", "{place} · school–enterprise report {year} ({level})"),
    "report_built": ("数据来自构建 {build}，发布于 {date}", "From build {build}, published {date}"),
    "report_made": ("报告生成于 {date}", "Report made {date}"),
    "report_page": ("第 {page} 页，共 {pages} 页", "Page {page} of {pages}"),
    "report_headline": ("主要指标", "Headline figures"),
    "report_figure": ("指标", "Figure"),
    "report_no_cards": ("本年度没有专业获得预警牌。", "No major has a card this year."),
    "report_equal_weights": ("得分按等权计算。", "Scores with equal weights."),
    "report_rows_cut": ("表格只列出前 {n} 行；完整数据请在门户中下载。",
                        "The table lists its first {n} rows; download the whole table from the portal."),
    "report_make": ("生成 PDF 报告", "Make the PDF report"),
    "report_download": ("下载 PDF 报告", "Download the PDF report"),
    "report_unavailable": ("无法生成 PDF 报告：{error}", "The PDF report cannot be made: {error}"),
    "undefined_note": ("“—”表示无法计算：{reasons}。", "“—” means not defined: {reasons}."),
    "undefined_alignment": ("供需比在无供给、无需求或数据不足时", "alignment where there is no supply, no demand or too little data"),
    "undefined_share": ("占比在该地区没有供给或需求时", "shares where the place has no supply or no demand"),
    "undefined_coverage": ("实习覆盖率在没有毕业生时", "coverage where there are no graduates"),
    "undefined_relevance": ("对口率在没有可判定的实习时", "relevance where no placement's host industry is known"),
    "undefined_conversion": ("留用率在没有结束的毕业实习时", "conversion where no graduation internship has ended"),
    "undefined_retention": ("本省就业率在院校未报告时", "retention where the catalogue does not report it"),
    "undefined_utilisation": ("利用率在基地没有登记容量时", "utilisation where a base has no capacity"),
    "undefined_suppressed": ("少于 {n} 人的组不公开", "groups of fewer than {n} are not shown"),
    "study_level": ("学历层次", "Level"),
    "study_level_专科": ("专科（高职）", "Vocational"),
    "study_level_本科": ("本科", "Bachelor"),
    "study_level_研究生": ("研究生", "Graduate"),
    "cards_title": ("专业预警（近三个调查年度）", "Cards (the last three survey years)"),
    "cards_intro": ("按省（或东北全区）判断：三年均紧缺为绿牌，三年均过剩为红牌，三年中两年过剩为黄牌。",
                    "Judged for the province (or the whole region): shortage in all three years is a green "
                    "card, surplus in all three a red card, surplus in two of three a yellow card."),
    "graduate_demand_apart": ("研究生层次岗位需求 {n} 人，单列，不计入{level}需求（院校目录不含研究生供给）。",
                              "Graduate-level (master's or doctorate) positions: {n}, shown apart and not counted "
                              "in the {level} demand (the catalogues carry no graduate supply)."),
    "graduate_level_note": ("研究生层次：仅有岗位需求（院校目录不含研究生供给），不判断供需状态，也无实习数据。",
                            "Graduate level: positions only (the catalogues carry no graduate supply), so no "
                            "status is judged and there are no internship figures."),
    "status": ("供需状态", "Status"),
    "advice": ("建议", "Advice"),
    "advice_shortage": ("扩大招生", "Expand"),
    "advice_balanced": ("保持", "Hold"),
    "advice_surplus": ("缩减招生", "Shrink"),
    "advice_unserved": ("考虑开设或引进", "Consider opening it"),
    "advice_no_demand": ("核实需求", "Check demand"),
    "advice_imports": ("由省内供给", "Served by the province"),
    "advice_insufficient_data": ("暂不判断", "Not judged"),
    "reason": ("原因", "Reason"),
    "reason_unserved": ("{place}有企业需求 {demand} 人，但没有毕业生供给。",
                        "{place} has demand for {demand} but no graduates."),
    "reason_no_demand": ("{place}有毕业生 {supply} 人，但调查中没有企业需求。",
                         "{place} has {supply} graduates but no surveyed demand."),
    "reason_alignment": ("{place}需求占比 {demand_share}，供给占比 {supply_share}，供需比 {alignment}（{rule}）。",
                         "In {place} it has {demand_share} of demand and {supply_share} of supply: "
                         "alignment {alignment} ({rule})."),
    "rule_high": ("≥ {v} 为紧缺", "≥ {v} is a shortage"),
    "rule_low": ("≤ {v} 为过剩", "≤ {v} is a surplus"),
    "rule_within": ("介于 {lo} 与 {hi} 之间为平衡", "between {lo} and {hi} is balanced"),
    "reason_none": ("没有供需数据。", "No supply or demand data."),
    "reason_too_little_demand": ("{place}需求 {demand} 人，少于 {min} 人，证据不足，不作判断。",
                                 "{place} has demand for {demand}, fewer than {min}: too little evidence to judge."),
    "reason_too_little_supply": ("{place}毕业生 {supply} 人，少于 {min} 人，证据不足，不作判断。",
                                 "{place} has {supply} graduates, fewer than {min}: too little evidence to judge."),
    "reason_supply_not_collected": ("研究生层次的毕业生未纳入专业目录，此处只显示需求 {demand} 人。",
                                    "Graduate-level graduates are not in the catalogues: demand for {demand} "
                                    "is shown on its own."),
    "reason_no_local_supply": ("{place}本地没有该专业毕业生，需求 {demand} 人由省内其他城市供给。",
                               "{place} has no graduates of its own; its demand for {demand} draws on the "
                               "rest of the province."),
    # --- overview
    "overview_title": ("总览：{place}{year}年", "Overview: {place}, {year}"),
    "overview_intro": ("教育主管部门视角：本地区今年的供需与实习情况；数字下方为与上一年相比的变化。",
                       "For education departments: where the region stands this year; under each figure, "
                       "its change against last year."),
    "m_graduates": ("毕业生（供给）", "Graduates (supply)"),
    "m_demand": ("调查需求人数", "Surveyed demand"),
    "m_shortage_majors": ("紧缺专业数", "Shortage majors"),
    "m_coverage": ("实习覆盖率", "Internship coverage"),
    "m_relevance": ("专业对口率", "Relevance"),
    "m_conversion": ("留用率", "Conversion"),
    "m_retention": ("本省就业率", "Retention"),
    "points_change": ("{v:+.1f} 个百分点", "{v:+.1f} pp"),
    # a table column's format (Streamlit's printf-style): a change of a share in percentage points
    "points_format": ("%+.1f 个百分点", "%+.1f pp"),
    "major_verdict": ("**{major}** · {status} → **{advice}**：", "**{major}** · {status} → **{advice}**: "),
    "no_last_year": ("无上年数据", "no data last year"),
    "top_shortage": ("最紧缺的专业", "Top shortage majors"),
    "top_surplus": ("最过剩的专业", "Top surplus majors"),
    "gap_by_place": ("各地紧缺 / 过剩专业数", "Shortage and surplus majors by place"),
    "city_map": ("各城市的供需（按经纬度放置）", "Cities by their coordinates"),
    "city_map_major": ("显示专业", "Major shown"),
    "pillar_gap": ("支柱产业的供需", "Supply and demand by pillar industry"),
    # --- majors
    "majors_title": ("专业：{place}{year}年", "Majors: {place}, {year}"),
    "majors_intro": ("高校规划者视角：每个专业的供给、需求、供需比与状态，以及应扩大、保持还是缩减。",
                     "For university planners: each major's supply, demand, alignment and status, and "
                     "whether to expand, hold or shrink it."),
    "university": ("高校", "University"),
    "whole_geography": ("（不选高校：整个地区）", "(no university: the whole area)"),
    "major": ("专业", "Major"),
    "major_detail": ("专业详情", "Major in detail"),
    "trend": ("历年供需", "Supply and demand over the years"),
    "industries_demanding": ("需要该专业的行业", "Industries that demand this major"),
    "university_market": ("本校各专业（按所在城市的供需判断）",
                          "This university's majors (judged on its city's market)"),
    "alignment_chart": ("供需比（需求占比 ÷ 供给占比）", "Alignment (demand share ÷ supply share)"),
    # --- industries
    "industries_title": ("产业：{place}{year}年", "Industries: {place}, {year}"),
    "industries_intro": ("教育主管部门与企业视角：各行业（国民经济行业分类 GB/T 4754 大类）的人才供给与需求。",
                         "For education departments and enterprises: supply vs demand per industry "
                         "(GB/T 4754 division)."),
    "industry": ("行业", "Industry"),
    # the Industries table's column help: an industry's supply is spread graduates and its status is judged on
    # shares, so a negative gap beside 紧缺 is no contradiction once the reader is told what each figure is
    "help_industry_supply": ("可供给本行业的毕业生：各专业毕业生按专业—行业对照权重分摊到本行业后相加（可有小数，显示取整），"
                             "不是已在本行业就业的人数。",
                             "Graduates available to the division: each major's graduates spread over divisions by the "
                             "crosswalk weights and summed (fractional, shown whole); not graduates employed in it."),
    "help_industry_demand": ("本行业企业在调查中填报的岗位需求人数（所选学历层次）。",
                             "Headcount of the surveyed positions at the division's enterprises (at the chosen level)."),
    "help_industry_gap": ("需求 − 供给（人）。负数表示毕业生多于调查到的岗位；调查只覆盖部分岗位，所以大多为负。"
                          "状态不看这个差值，看供需比。",
                          "Demand − supply (people). Negative: more graduates than surveyed positions; the surveys "
                          "cover only part of the jobs, so it is mostly negative. The status is judged on the "
                          "alignment, not on this gap."),
    "help_industry_alignment": ("需求占比 ÷ 供给占比：本行业在本地区该层次全部岗位中的占比，除以它在全部毕业生中的占比。"
                                "≥ {hi} 为紧缺，≤ {lo} 为过剩。",
                                "Demand share ÷ supply share: the division's part of all the place's positions at "
                                "the level over its part of all graduates. ≥ {hi} is a shortage, ≤ {lo} a surplus."),
    "help_industry_status": ("按省份（或东北地区）的供需比判断，城市显示所在省份的状态；需求不足 {min_demand} 人或供给不足 "
                             "{min_supply} 人时为数据不足。",
                             "Judged on the province's (or the region's) alignment; a city shows its province's. "
                             "Below {min_demand} positions or {min_supply} graduates: insufficient data."),
    "pillar": ("支柱产业", "Pillar industry"),
    "all_industries": ("全部行业", "All industries"),
    "all_majors": ("全部专业", "All majors"),
    "feeding_majors": ("为该行业输送人才的专业", "Majors that feed this industry"),
    "supply_demand_chart": ("供给与需求（人）", "Supply and demand (people)"),
    # --- internships
    "internships_title": ("实习：{place}{year}年", "Internships: {place}, {year}"),
    "internships_intro": ("企业与高校视角：实习基地的接收能力与利用率、各专业实习人数、覆盖率、对口率与留用率。",
                          "For enterprises and universities: bases, capacity and utilisation, placements by "
                          "major, coverage, relevance and conversion."),
    "view_by": ("查看对象", "View by"),
    "by_university": ("高校", "University"),
    "by_enterprise": ("企业", "Enterprise"),
    "enterprise": ("企业", "Enterprise"),
    "bases": ("实习基地", "Internship bases"),
    "bases_across_levels": ("基地的接收能力由各培养层次的学生共用，利用率按全部层次计算，不随层次筛选变化。",
                            "A base's places are shared by students of every level, so its utilisation counts "
                            "them all and does not change with the study level filter."),
    "placements_by_major": ("各专业实习人数", "Placements by major"),
    "coverage_by_major": ("各专业实习覆盖率", "Internship coverage by major"),
    "shortage_low_coverage": ("需求紧缺但实习覆盖率低的专业", "Shortage majors with low internship coverage"),
    "m_graduate_demand": ("研究生层次需求（单列）", "Graduate-level demand (apart)"),
    "report_top_skills": ("用人单位要求最多的技能与薪资中位数", "The skills employers ask for most, and their median pay"),
    "region_internships": ("本地区各专业实习情况", "Internships by major in this area"),
    "suppressed_note": ("空白（—）：该组实习学生少于 {n} 人，为保护个人隐私不显示人数与比率。",
                        "Blank (—): fewer than {n} students in the group; their count and ratios are not "
                        "shown, to protect them."),
    "no_choice": ("所选范围内没有可选对象。", "Nothing to choose in this selection."),
    "enterprise_search": ("企业（可输入名称或信用代码查找；含未建基地的企业）",
                          "Enterprise (type a name or credit code; enterprises without a base included)"),
    "no_base_yet": ("该企业尚无实习基地：下表为空；可在“校企配对”页查看建议的合作高校。",
                    "This enterprise has no internship base yet; see the Pairings page for suggested universities."),
    "internship_type_filter": ("实习类型", "Internship type"),
    "organisation_filter": ("组织方式", "Organisation"),
    "mode_filter": ("实习形式", "Mode"),
    "type_all": ("全部（生产实习与毕业实习）", "All (production and graduation)"),
    "type_cognitive": ("认识实习", "Cognitive visit"),
    "type_production": ("生产实习 / 专业实习", "Production internship"),
    "type_graduation": ("毕业实习 / 岗位实习", "Graduation internship"),
    "option_all": ("全部", "All"),
    "organisation_centralised": ("集中", "Centralised"),
    "organisation_dispersed": ("分散", "Dispersed"),
    "mode_onsite": ("现场", "On site"),
    "mode_virtual": ("虚拟仿真", "Virtual"),
    "mode_simulated": ("模拟", "Simulated"),
    "option_unknown": ("未填写", "Not given"),
    "undefined_here": ("本表“—”的原因：{reasons}。", "Why “—” in this table: {reasons}."),
    "undefined_no_graduates": ("无毕业生", "no graduates"),
    "undefined_no_placements": ("无实习", "no placements"),
    "undefined_host_division_unknown": ("实习单位行业不明", "host's industry unknown"),
    "undefined_no_graduation_internships": ("无毕业实习", "no graduation internships"),
    "undefined_not_reported": ("目录未填本省就业人数", "not reported in the catalogue"),
    "internship_wordings": ("未识别的实习类型 / 组织方式 / 实习形式写法", "Unrecognised internship type / organisation / mode wordings"),
    "internship_wordings_note": ("未识别的实习类型按生产实习计；组织方式、实习形式按“未填写”计。",
                                 "An unrecognised type counts as a production internship; an unrecognised "
                                 "organisation or mode as not given."),
    # --- skills
    "skills_title": ("技能需求与薪资：{place}{year}年", "Skills and pay: {place}, {year}"),
    "skills_intro": ("选择一项技能：哪些专业的用人单位要求它、占该专业需求的比例、在哪些城市、薪资多少（按需求人数加权的四分位数），"
                     "以及哪些高校的核心课程讲授它。", "Pick a skill: which majors' employers ask for it and in what share "
                     "of the major's demand, where, at what pay (headcount-weighted quartiles), and which universities "
                     "teach it in their core courses."),
    "skill": ("技能", "Skill"),
    "skills_by_major": ("要求该技能的专业", "Majors whose employers ask for it"),
    "skills_share_chart": ("各专业岗位中要求{skill}的比例", "Share of each major's demand asking for {skill}"),
    "skills_by_place": ("各城市的需求与薪资", "Demand and pay by city"),
    "skills_teaching": ("讲授该技能的高校专业（按核心课程）", "Universities teaching it (by core courses)"),
    "major_skills": ("用人单位对{major}的技能要求", "What employers ask of {major}"),
    "major_skills_note": ("技能占比：要求该技能的岗位需求占该专业全部需求的比例（一个岗位要求k个专业时各计1/k）；变化为较上一调查年。",
                          "Skill share: the part of the major's demand whose positions ask for the skill (a position "
                          "naming k majors counts 1/k for each); change against the survey year before."),
    "course_gaps": ("{university}的{major}：核心课程覆盖哪些技能", "{university}, {major}: which asked-for skills the core courses cover"),
    "course_gaps_note": ("列出本省用人单位要求占比不低于{share}的技能；“否”即核心课程未覆盖（技能缺口）。",
                         "Skills asked for in at least {share} of the major's demand in the province; \"no\" means no "
                         "core course covers it (a skill gap)."),
    "courses_not_listed": ("该校该专业的专业目录未填写核心课程，无法判断课程覆盖。",
                           "This university's catalogue lists no core courses for the major, so coverage cannot be judged."),
    "division_skills": ("{industry}企业最常要求的技能与薪资", "Skills {industry} enterprises ask for most, and their pay"),
    "unmatched_skills": ("未识别的技能表述", "Skill wordings not recognised"),
    "unmatched_skills_note": ("调查“技能要求”中既未精确也未模糊匹配到技能词表的表述，按岗位数排列；可将其作为别名加入 "
                              "sources/reference/skills.csv（并升级 version）。",
                              "Pieces of the surveys' skill requirements (skills column) that match no skill of the vocabulary, exactly or "
                              "fuzzily, most written first; add them as aliases to sources/reference/skills.csv (and "
                              "bump its version)."),
    "salary_note": ("少于5个岗位的薪资不显示（—）。", "Pay over fewer than 5 positions is not shown (—)."),
    # --- pairings
    "pairings_title": ("校企配对建议：{place}{year}年", "Pairing suggestions: {place}, {year}"),
    "pairings_intro": ("校企双方视角：接收实习生的企业需要某专业、却还没有该专业学生在其基地实习时，推荐本省（本省没有时为区域内其他省）"
                       "尚有未安置毕业生的高校，并建议各校输送的实习人数：按缺口从大到小分配，同一高校的人数合计不超过其未安置人数。",
                       "For both sides: where an enterprise that takes interns wants a major none of whose students "
                       "it hosts yet, the universities of its province (of the region's other provinces when its "
                       "own has none) with unplaced graduates of the major, and how many interns each could send: "
                       "allocated largest need first, never more in total than a university's unplaced pool."),
    "suggestions": ("配对建议", "Suggestions"),
    "showing_first": ("下表列出缺口最大的前 {shown} 项；可用行业、专业、企业、高校或地区筛选缩小范围。",
                      "The table lists the {shown} largest needs; narrow it by industry, major, enterprise, "
                      "university or place."),
    "count_suggestions": ("共 {n} 项需求（企业 × 专业），涉及 {e} 家企业。",
                          "{n} needs (enterprise × major) of {e} enterprises."),
    "pairing_pick_enterprise": ("企业", "Enterprise"),
    "pairing_pick_university": ("高校", "University"),
    "pairing_any_enterprise": ("全部企业", "All enterprises"),
    "pairing_any_university": ("全部高校", "All universities"),
    "pairing_details": ("建议理由", "Why these universities"),
    "pairing_details_first": ("下面展开前 {shown} 项的理由；选择企业或高校可查看其全部建议。",
                              "The reasons of the first {shown} needs follow; pick an enterprise or a university "
                              "to see all of its own."),
    "pairing_entry": ("{enterprise}（{city}）· {major}：需要 {wanted} 人，建议 {suggested} 人",
                      "{enterprise} ({city}) · {major}: wants {wanted}, {suggested} suggested"),
    "pairing_line": ("{university} {interns} 人", "{university}: {interns}"),
    "pairing_unmet": ("尚缺 {n} 人：候选高校的未安置毕业生已分配给缺口更大的企业。",
                      "{n} still unmet: the candidates' unplaced graduates went to larger needs first."),
    "pairing_reason_pool_suppressed": ("毕业生 {graduates} 人，已实习不足 {n} 人，不公开人数（未安置人数同样不公开）",
                                       "{graduates} graduates; fewer than {n} placed, not shown (nor how many are "
                                       "left unplaced)"),
    "pairing_reason_pool": ("未安置毕业生 {pool} 人（毕业生 {graduates} 人 − 已实习 {placements} 人）",
                            "{pool} unplaced graduates ({graduates} graduates − {placements} placed)"),
    "pairing_reason_surplus": ("{province}该专业供大于求（供需比 {alignment}：毕业生 {supply} 人，岗位 {demand} 个）",
                               "{province} trains more of the major than its jobs ask for (alignment {alignment}: "
                               "{supply} graduates, {demand} positions)"),
    "pairing_reason_same_city": ("同在{city}", "same city ({city})"),
    "pairing_reason_distance": ("相距约 {km} 公里（{city}）", "about {km} km away ({city})"),
    "pairing_reason_other_province": ("本省没有尚有毕业生的开设高校", "no university of the province has graduates left"),
    "pairing_reason_base": ("已与该企业共建实习基地（其他专业）", "already has a base with the enterprise (other majors)"),
    "pairing_reason_spare": ("其实习基地尚有 {spare} 个空余名额", "{spare} places spare at its bases"),
    "pairing_reason_separator": ("；", "; "),
    # --- data
    "data_title": ("数据：来源文件与构建", "Data: source files and builds"),
    "data_intro": ("数据工作人员视角：每个文件导入了多少行、哪些行被隔离及原因、最近一次构建与检查结果。",
                   "For data staff: what each file contributed, quarantined rows and why, the last build and "
                   "its checks."),
    "data_all_levels": ("本页统计的是文件与数据行，涵盖所有培养层次、年份和地区，不随侧栏筛选变化。",
                        "This page counts files and rows of every study level, year and place: the sidebar's "
                        "filters do not apply to it."),
    "published_at": ("当前数据仓库发布于 {when}（{path}）。", "The warehouse was published at {when} ({path})."),
    "build_info": ("最近一次构建", "Last build"),
    "checks": ("数据检查结果", "Asset checks"),
    "checks_absent": ("此版本的数据仓库没有记录检查结果（需要更新的构建）。",
                      "This warehouse does not record its checks' results (a newer build will)."),
    "check_passed": ("通过", "passed"),
    "check_failed": ("未通过", "FAILED"),
    "load_log": ("各文件导入情况", "What each file contributed"),
    "quarantine": ("被隔离的行", "Quarantined rows"),
    "kind": ("文件类型", "Kind"),
    "all_kinds": ("全部类型", "All kinds"),
    "rejected_files": ("未能导入的文件", "Files that could not be loaded"),
    "none_rejected": ("没有被拒绝的文件。", "No file was rejected."),
    "how_to_load": ("如何导入新文件", "How to load new files"),
    "how_to_load_body": (
        "把文件（CSV 或 XLSX，表头中英文皆可）放进导入目录下对应的子目录：{folders}，然后运行 "
        "`portal build`，或在 Dagster 界面（`portal ui`）中等待目录监测自动构建。"
        "格式要求见 `docs/data-contracts.md`。坏行不会阻止构建：它们出现在上面的隔离表中，注明行号、列和原因。",
        "Drop the files (CSV or XLSX, Chinese or English headers) into the landing folder's sub-folder of "
        "their kind: {folders}; then run `portal build`, or let the "
        "landing-folder sensor start a build in the Dagster UI (`portal ui`). The formats are in "
        "`docs/data-contracts.md`. A bad row never stops a build: it appears in the quarantine table above "
        "with its row, column and reason.",
    ),
    "kind_catalogue": ("专业目录", "Major catalogue"),
    "kind_survey": ("企业需求调查", "Demand survey"),
    "kind_bases": ("实习基地", "Internship bases"),
    "kind_placements": ("实习记录", "Placements"),
    # --- chart axis titles
    "ax_alignment": ("供需比", "Alignment"),
    "ax_people": ("人数", "People"),
    "ax_majors": ("专业数", "Majors"),
    "ax_gap": ("供需差（需求 − 供给，人）", "Gap (demand − supply, people)"),
    "ax_share": ("占比", "Share"),
    "ax_longitude": ("经度", "Longitude"),
    "ax_latitude": ("纬度", "Latitude"),
    "ax_utilisation": ("利用率", "Utilisation"),
    "ax_coverage": ("实习覆盖率", "Coverage"),
    "series_supply": ("供给", "Supply"),
    "series_demand": ("需求", "Demand"),
}

#: table column headers
COLUMNS: dict[str, tuple[str, str]] = {
    "skill": ("技能", "Skill"),
    "taught": ("课程覆盖", "Taught"),
    "skill_demand": ("技能需求（人）", "Skill demand (positions)"),
    "skill_positions": ("岗位数", "Positions"),
    "skill_share": ("技能占比", "Skill share"),
    "skill_share_change": ("占比较上年变化", "Share change on last year"),
    "salary_p25": ("月薪下四分位（元）", "Monthly pay, 25th pct (yuan)"),
    "salary_median": ("月薪中位数（元）", "Median monthly pay (yuan)"),
    "salary_p75": ("月薪上四分位（元）", "Monthly pay, 75th pct (yuan)"),
    "courses": ("核心课程", "Core courses"),
    "major_code": ("专业代码", "Major code"),
    "major": ("专业", "Major"),
    "industry_code": ("行业代码", "Industry code"),
    "industry": ("行业", "Industry"),
    "pillar": ("支柱产业", "Pillar industry"),
    "university_code": ("院校代码", "University code"),
    "university": ("高校", "University"),
    "enterprise": ("企业", "Enterprise"),
    "enterprise_id": ("统一社会信用代码", "Credit code"),
    "city": ("城市", "City"),
    "place": ("地区", "Place"),
    "base_id": ("基地编号", "Base ID"),
    "base_name": ("基地名称", "Base"),
    "supply": ("供给（人）", "Supply (people)"),
    "demand": ("需求（人）", "Demand (people)"),
    "gap": ("供需差（人）", "Gap (people)"),
    "supply_share": ("供给占比", "Supply share"),
    "demand_share": ("需求占比", "Demand share"),
    "alignment": ("供需比", "Alignment"),
    "status": ("状态", "Status"),
    "advice": ("建议", "Advice"),
    "reason": ("原因", "Reason"),
    "is_projection": ("含预测值", "Projected"),
    "graduates": ("毕业生（人）", "Graduates"),
    "placements": ("实习学生（人）", "Students placed"),
    "students": ("实习学生（人）", "Students"),
    "placement_rows": ("实习人次", "Placements"),
    "coverage": ("实习覆盖率", "Coverage"),
    "relevance": ("专业对口率", "Relevance"),
    "relevance_unknown_share": ("对口情况不明占比", "Relevance unknown"),
    "wording": ("写法", "Wording"),
    "counted_as": ("计为", "Counted as"),
    "conversion": ("留用率", "Conversion"),
    "retention": ("本省就业率", "Retention"),
    "capacity": ("年接收能力（人）", "Capacity per year"),
    "utilisation": ("利用率", "Utilisation"),
    "interns_wanted": ("需要人数", "Interns wanted"),
    "interns_suggested": ("建议人数", "Interns suggested"),
    "suggested_universities": ("建议高校及人数", "Suggested universities (interns)"),
    "shortage_majors": ("紧缺专业数", "Shortage majors"),
    "card": ("专业预警", "Card"),
    "card_statuses": ("近三年状态", "Last three years"),
    "score": ("得分", "Score"),
    "missing": ("缺少的指标", "Missing indicators"),
    "status_before": ("调整前状态", "Status before"),
    "status_after": ("调整后状态", "Status after"),
    "supply_before": ("调整前供给", "Supply before"),
    "supply_after": ("调整后供给", "Supply after"),
    "alignment_before": ("调整前供需比", "Alignment before"),
    "alignment_after": ("调整后供需比", "Alignment after"),
    "alignment_percentile": ("供需比百分位", "Alignment percentile"),
    "demand_trend": ("需求趋势（占比/年）", "Demand trend (share/year)"),
    "demand_trend_percentile": ("需求趋势百分位", "Demand trend percentile"),
    "coverage_percentile": ("覆盖率百分位", "Coverage percentile"),
    "relevance_percentile": ("对口率百分位", "Relevance percentile"),
    "conversion_percentile": ("留用率百分位", "Conversion percentile"),
    "retention_percentile": ("本省就业率百分位", "Retention percentile"),
    # the salary indicator, shown once the skills-and-pay marts feed marts.scorecard (issue 27)
    "salary_scorecard": ("月薪中位数（元）", "Median monthly salary (yuan)"),
    "salary_percentile": ("薪资百分位", "Salary percentile"),
    "balanced_majors": ("平衡专业数", "Balanced majors"),
    "surplus_majors": ("过剩专业数", "Surplus majors"),
    "file": ("文件", "File"),
    "kind": ("类型", "Kind"),
    "rows_read": ("读取行数", "Rows read"),
    "rows_loaded": ("导入行数", "Rows loaded"),
    "rows_quarantined": ("隔离行数", "Rows quarantined"),
    "rows_replaced": ("其中已被替换", "Of these, replaced"),
    "message": ("说明", "Message"),
    "loaded_at": ("导入时间", "Loaded at"),
    "row_number": ("行号", "Row"),
    "column_name": ("列", "Column"),
    "raw_row": ("原始内容", "Row as written"),
    "item": ("项目", "Item"),
    "value": ("值", "Value"),
    "detail": ("详情", "Detail"),
    "seen_at": ("发现时间", "Seen at"),
    "asset": ("数据表", "Asset"),
    "check_name": ("检查", "Check"),
    "passed": ("结果", "Result"),
    "description": ("说明", "Description"),
    "city_supply": ("所在城市供给（人）", "City supply"),
    "city_demand": ("所在城市需求（人）", "City demand"),
    "city_alignment": ("所在城市供需比", "City alignment"),
    "city_status": ("所在城市状态", "City status"),
    "province_status": ("所在省份状态", "Province status"),
    "year": ("年份", "Year"),
    "username": ("用户名", "User name"),
    "display_name": ("显示名称", "Name"),
    "role": ("角色", "Role"),
    "scope": ("范围", "Scope"),
    "account_state": ("状态", "State"),
    "updated_at": ("更新时间", "Updated"),
    "at": ("时间", "When"),
    "actor": ("操作者", "By"),
    "action": ("操作", "Action"),
    "subject": ("账户", "Account"),
}

#: audit.build's columns (written by the build; unknown columns are shown under their own name)
BUILD_FIELDS: dict[str, tuple[str, str]] = {
    "build_id": ("构建编号", "Build"),
    "started_at": ("开始时间", "Started"),
    "published_at": ("发布时间", "Published"),
    "landing_dir": ("导入目录", "Landing folder"),
    "previous_build_id": ("上一次构建", "Previous build"),
    "files_loaded": ("导入文件数", "Files loaded"),
    "files_rejected": ("被拒绝的文件数", "Files rejected"),
    "rows_read": ("读取行数", "Rows read"),
    "rows_loaded": ("导入行数", "Rows loaded"),
    "rows_quarantined": ("隔离行数", "Rows quarantined"),
    "checks_passed": ("通过的检查", "Checks passed"),
    "checks_failed": ("未通过的检查", "Checks failed"),
    "key_fingerprint": ("假名密钥指纹", "Pseudonym key fingerprint"),
    "written_fresh": ("文件重新写入（不含已删除的行）", "File written fresh (no deleted rows)"),
}

#: what each asset check guards, in both languages (a check not listed shows the build's own description)
CHECKS: dict[str, tuple[str, str]] = {
    "rows_add_up": ("每个文件：读取行数 = 导入行数 + 隔离行数", "Each file: rows read = rows loaded + quarantined"),
    "crosswalk_weights_sum_to_one": ("专业—行业对照表中每个专业的权重之和为 1",
                                     "Each major's crosswalk weights sum to 1"),
    "shares_sum_to_one": ("每个地区、每年的供给占比与需求占比之和均为 1",
                          "Supply and demand shares sum to 1 per place and year"),
    "no_personal_data": ("仓库中没有明文的个人信息（姓名、身份证号、手机号）",
                         "No personal data in clear (names, ID numbers, phones)"),
}

PILLARS: dict[str, tuple[str, str]] = {
    "automotive": ("汽车", "Automotive"),
    "energy": ("能源电力", "Energy and power"),
    "equipment_manufacturing": ("装备制造", "Equipment manufacturing"),
    "green_food": ("绿色食品与农业", "Green food and agriculture"),
    "metallurgy": ("冶金", "Metallurgy"),
    "petrochemicals": ("石油化工", "Petrochemicals"),
    "pharmaceuticals": ("医药", "Pharmaceuticals"),
    "software": ("软件与信息技术", "Software and IT"),
}

STATUSES = ("shortage", "balanced", "surplus")
#: every status a gap row may have (docs/metrics.md "Gap (major level)"); CARDS: a major's cards
ALL_STATUSES = (*STATUSES, "unserved", "no_demand", "imports", "insufficient_data")
CARDS = ("green", "yellow", "red")


def lang() -> str:
    value = st.session_state.get(LANG_KEY, DEFAULT_LANG)
    return value if value in LANGS else DEFAULT_LANG


def is_en() -> bool:
    return lang() == "en"


def t(key: str, **values: object) -> str:
    text = TEXT[key][1 if is_en() else 0]
    return text.format(**values) if values else text


#: the signs Markdown reads as markup: CommonMark's (emphasis, code, links and images, HTML, headings, lists,
#: breaks, entities), GitHub's (tables, strikethrough, bare URLs and e-mail addresses) and Streamlit's own
#: (:emoji: and :colour[text], $maths$)
_MARKDOWN_SIGNS = re.compile(r"([\\`*_~\[\](){}<>!#+\-.=|$:&@^])")


def plain(value: object) -> str:
    """`value`, a text from data, as Markdown that shows it as written. An enterprise names itself in its survey,
    a submitter names its file: as Markdown, `![t](http://host/x.png)` in a name would fetch an image from that
    host in every viewer's browser and `[log in again](http://host/)` would be a live link under the portal's
    name. Each sign Markdown reads is escaped with a backslash (which CommonMark allows before any ASCII
    punctuation), after control and bidirectional characters (a line break too, which could start a list or a
    heading) are written as escapes (landing_folder.printable, as file names are printed)."""
    return _MARKDOWN_SIGNS.sub(r"\\\1", printable(str(value)))


def texts(*keys: str) -> tuple[str, ...]:
    """The texts of `keys` in the page's language, unformatted: for a text formatted once per row of a table,
    the language is read once (`t` reads it from the session on every call)."""
    i = 1 if is_en() else 0
    return tuple(TEXT[key][i] for key in keys)


def column(key: str) -> str:
    return COLUMNS[key][1 if is_en() else 0]


def status(value: str | None) -> str:
    return t(f"status_{value}") if value in ALL_STATUSES else "—"


def advice(value: str | None) -> str:
    return t(f"advice_{value}") if value in ALL_STATUSES else "—"


def card(value: str | None) -> str:
    return t(f"card_{value}") if value in CARDS else "—"


def card_statuses(pairs: object) -> str:
    """The statuses behind a card: `(years, statuses)` → "2023 紧缺 · 2024 紧缺 · 2025 紧缺"."""
    if pairs is None or (isinstance(pairs, float) and math.isnan(pairs)):
        return "—"
    years, statuses = pairs
    if not hasattr(years, "__len__") or not hasattr(statuses, "__len__"):
        return "—"
    return " · ".join(f"{y} {status(s)}" for y, s in zip(years, statuses, strict=True))


def study_level(value: str) -> str:
    key = f"study_level_{value}"
    return t(key) if key in TEXT else value


def pillar(code: str | None) -> str:
    if code not in PILLARS:
        return "—"
    return PILLARS[code][1 if is_en() else 0]


def build_field(name: str) -> str:
    return BUILD_FIELDS[name][1 if is_en() else 0] if name in BUILD_FIELDS else name


def check(name: str, description: str | None) -> str:
    if name in CHECKS:
        return CHECKS[name][1 if is_en() else 0]
    return description or name


def kind(value: str) -> str:
    key = f"kind_{value}"
    return t(key) if key in TEXT else value


def landing_folders(kinds: Iterable[str]) -> str:
    """The landing folder of each source kind, for the how-to-load text (the Chinese names what each holds)."""
    if is_en():
        return ", ".join(f"`{k}/`" for k in kinds)
    return "、".join(f"`{k}/`（{kind(k)}）" for k in kinds)


def name_column(entity: str) -> str:
    """The column holding an entity's name in the current language ('major' → 'major_name_en' in English)."""
    return f"{entity}_name_en" if is_en() else f"{entity}_name"


def place(level: str, zh_name: str, provinces: dict[str, str], cities: dict[str, str]) -> str:
    """A geography's display name; `provinces` / `cities` map Chinese names to English ones."""
    if level == "region":
        return t("region_name")
    if not is_en():
        return zh_name
    return (provinces if level == "province" else cities).get(zh_name, zh_name)


# --- numbers and dates ------------------------------------------------------------------------------
def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: object, digits: int = 0) -> str:
    if _missing(value):
        return "—"
    return f"{float(value):,.{digits}f}"


def percent(value: object, digits: int = 1) -> str:
    if _missing(value):
        return "—"
    return f"{100 * float(value):.{digits}f}%"


def ratio(value: object) -> str:
    # as the tables show it (never rounded across a status threshold); imported here, as formatting imports labels
    from dashboard.formatting import ratio_text

    return ratio_text(value)


#: the region's clock: times are shown as its users read them
LOCAL_TIME = ZoneInfo("Asia/Shanghai")


def timestamp(value: dt.datetime) -> str:
    """A moment in Beijing time (a naive value is taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(LOCAL_TIME)
    if is_en():
        return local.strftime("%d %b %Y %H:%M (Beijing time)")
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}（北京时间）"


def pairing_reasons(rows: pd.DataFrame) -> list[str]:
    """Why each university is suggested to its enterprise, with the figures behind each point (docs/metrics.md
    "Pairing suggestions"): its unplaced pool (for a small group of students placed, that their count is not
    shown, and so neither is the pool), its province's surplus of the major (only when alignment < 1,
    so never a negative surplus), how far it is, a base it already has with the enterprise, and its spare base
    places. `rows` are marts.pairing_suggestions rows with the university's city and province names."""
    en = is_en()
    city_column, province_column = ("university_city_en", "university_province_en") if en else (
        "university_city", "university_province")
    separator, pool, pool_suppressed, surplus, same_city, distance, other_province, base, spare = texts(
        "pairing_reason_separator", "pairing_reason_pool", "pairing_reason_pool_suppressed", "pairing_reason_surplus",
        "pairing_reason_same_city", "pairing_reason_distance", "pairing_reason_other_province", "pairing_reason_base",
        "pairing_reason_spare")
    reasons = []
    for r in rows.to_dict("records"):
        if pd.notna(r["suppressed"]) and bool(r["suppressed"]):  # a small group: no count, and no pool to give it
            points = [pool_suppressed.format(graduates=number(r["graduates"]), n=settings.MIN_GROUP_SIZE)]
        else:
            points = [pool.format(pool=number(r["pool"]), graduates=number(r["graduates"]),
                                  placements=number(r["placements"]))]
        if pd.notna(r["province_alignment"]) and r["province_alignment"] < 1:
            points.append(surplus.format(province=r[province_column] or "—",
                                         alignment=ratio(r["province_alignment"]),
                                         supply=number(r["province_supply"]), demand=number(r["province_demand"])))
        if r["university_city"] == r["city_name"]:
            points.append(same_city.format(city=r[city_column] or "—"))
        else:
            points.append(distance.format(km=number(r["distance_km"]), city=r[city_column] or "—"))
        if pd.notna(r["other_province"]) and bool(r["other_province"]):
            points.append(other_province)
        if pd.notna(r["has_base"]) and bool(r["has_base"]):
            points.append(base)
        if pd.notna(r["spare_capacity"]) and r["spare_capacity"] > 0:
            points.append(spare.format(spare=number(r["spare_capacity"])))
        reasons.append(separator.join(points))
    return reasons


def _python_values(values: Iterable) -> list:
    """A column's values as Python objects, missing ones as None (a pandas column yields NumPy scalars, slower
    to format, and a nullable one pd.NA, which has no truth value)."""
    return [None if v is pd.NA else v for v in (values.tolist() if hasattr(values, "tolist") else values)]


def gap_reason(reason: str | None, place_name: str, supply: float, demand: float, supply_share: float,
               demand_share: float, alignment: float, shortage: float, surplus: float) -> str:
    """Why a major or industry has its status, in plain words (METRICS.md "Gap")."""
    text = _gap_reason(reason, place_name, supply, demand, supply_share, demand_share, alignment, shortage,
                       surplus)
    return text[:1].upper() + text[1:]  # "the Northeast has ..." starts a sentence


def _gap_reason(reason: str | None, place_name: str, supply: float, demand: float, supply_share: float,
                demand_share: float, alignment: float, shortage: float, surplus: float) -> str:
    if reason == "unserved":
        return t("reason_unserved", place=place_name, demand=number(demand, 1))
    if reason == "too_little_demand":
        return t("reason_too_little_demand", place=place_name, demand=number(demand, 1), min=settings.MIN_DEMAND)
    if reason == "too_little_supply":
        return t("reason_too_little_supply", place=place_name, supply=number(supply), min=settings.MIN_SUPPLY)
    if reason == "supply_not_collected":
        return t("reason_supply_not_collected", demand=number(demand, 1))
    if reason == "no_local_supply":
        return t("reason_no_local_supply", place=place_name, demand=number(demand, 1))
    if reason == "no_demand":
        return t("reason_no_demand", place=place_name, supply=number(supply))
    if reason in ("alignment_high", "alignment_low", "alignment_within"):
        rule = {
            "alignment_high": t("rule_high", v=shortage),
            "alignment_low": t("rule_low", v=surplus),
            "alignment_within": t("rule_within", lo=surplus, hi=shortage),
        }[reason]
        return t("reason_alignment", place=place_name, demand_share=percent(demand_share),
                 supply_share=percent(supply_share), alignment=ratio(alignment), rule=rule)
    return t("reason_none")
