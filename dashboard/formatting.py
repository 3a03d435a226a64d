"""How numbers are shown, in tables and in charts' axes and tooltips alike, and what a download may contain.

People are whole: supply, graduates, placements and capacities show as whole numbers (`1,025`, never
`1025.0`). Demand may be fractional (a survey position naming k majors gives 1/k to each, METRICS.md
"Demand"): it shows with at most one decimal (`12.5`, but `1,025` rather than `1,025.0`), so a small share is
not rounded away to 0 beside a status that counts it. An undefined figure shows `—`, never `None` or `nan`,
and the table says why under it (`undefined_note`). A ratio (alignment) shows with two decimals, rounded toward
its own side of each status threshold (`shown_ratio`), so that the figure never contradicts the status beside it.

Downloads keep the raw numbers (a planner recomputes from them), but a text cell that a spreadsheet would run
as a formula (=, +, -, @, tab, carriage return first) is written so that Excel shows it as text.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import pandas as pd

from dashboard import labels as L
from warehouse import settings as warehouse_settings

#: whole people: counts of graduates, students, positions' capacity, rows
WHOLE_COLUMNS = {"supply", "supply_before", "supply_after", "graduates", "placements", "students", "placement_rows", "capacity", "city_supply",
                 "shortage_majors", "balanced_majors", "surplus_majors", "rows_read", "rows_loaded",
                 "rows_quarantined", "headcount", "interns_wanted",
                 "interns_suggested"}
#: counts that are whole but are not people: positions, row numbers, loaded rows replaced since
WHOLE_COLUMNS |= {"skill_positions", "row_number", "rows_replaced"}
#: people counts that may be fractional: demand and what is computed from it
FRACTIONAL_COLUMNS = {"demand", "gap", "city_demand", "skill_demand"}
#: monthly pay in yuan: whole yuan with thousands separators
MONEY_COLUMNS = {"salary_p25", "salary_median", "salary_p75", "salary_scorecard"}
#: changes of a share (a fraction a year, or on last year): shown in percentage points, the value × 100
POINTS_COLUMNS = {"skill_share_change", "demand_trend"}
#: a scorecard's score and its indicators' percentiles, 0–100: one decimal is all that is meaningful
SCORE_COLUMNS = {"score", "alignment_percentile", "demand_trend_percentile", "coverage_percentile",
                 "relevance_percentile", "conversion_percentile", "retention_percentile", "salary_percentile"}
PERCENT_COLUMNS = {"supply_share", "demand_share", "coverage", "relevance", "relevance_unknown_share",
                   "conversion", "retention", "utilisation", "skill_share"}
RATIO_COLUMNS = {"alignment", "city_alignment", "alignment_before", "alignment_after"}
#: why a ratio may be undefined (labels' `undefined_*` texts), per column
UNDEFINED_REASONS = {"alignment": "undefined_alignment", "city_alignment": "undefined_alignment",
                     "supply_share": "undefined_share", "demand_share": "undefined_share",
                     "coverage": "undefined_coverage", "relevance": "undefined_relevance",
                     "conversion": "undefined_conversion", "retention": "undefined_retention",
                     "utilisation": "undefined_utilisation"}
UNDEFINED = "—"

#: d3-format specifiers (Vega-Lite axes and tooltips); `~` drops trailing zeros: 1,025 and 12.5
#: the decimals a ratio shows with: in charts (RATIO_FORMAT), tables (column_format) and text (ratio_text) alike
RATIO_DIGITS = 2
WHOLE_FORMAT = ",.0f"
FRACTIONAL_FORMAT = ",.1~f"
RATIO_FORMAT = f".{RATIO_DIGITS}f"
PERCENT_FORMAT = ".0%"


def shown_ratio(value: float) -> float:
    """A ratio as shown: rounded to RATIO_DIGITS, except that rounding never carries it onto or across a status
    threshold (SHORTAGE_ALIGNMENT ≥, SURPLUS_ALIGNMENT ≤): 1.2451 is balanced and shows 1.24, not the 1.25 a
    reader would take for a shortage; 0.8049 shows 0.81. The thresholds have two decimals, so one step back
    toward the value's own side is always on that side. NaN stays NaN."""
    if pd.isna(value):
        return value
    value = float(value)
    shown = round(value, RATIO_DIGITS)
    step = 10 ** -RATIO_DIGITS
    shortage, surplus = warehouse_settings.SHORTAGE_ALIGNMENT, warehouse_settings.SURPLUS_ALIGNMENT
    if value < shortage <= shown:
        shown = round(shortage - step, RATIO_DIGITS)
    elif shown <= surplus < value:
        shown = round(surplus + step, RATIO_DIGITS)
    return shown


def ratio_text(value: object) -> str:
    """A ratio as text (tooltips, reports, sentences): shown_ratio's figure, `—` when undefined."""
    if value is None or pd.isna(value):
        return UNDEFINED
    return f"{shown_ratio(float(value)):.{RATIO_DIGITS}f}"


def table_values(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as a table shows it: whole people as integers, demand to one decimal at most. `frame`'s
    columns are header keys (labels.COLUMNS)."""
    out = frame.copy()
    for key in out.columns:
        if key in WHOLE_COLUMNS and pd.api.types.is_numeric_dtype(out[key]):
            out[key] = out[key].round().astype("Int64")
        elif key in FRACTIONAL_COLUMNS and pd.api.types.is_numeric_dtype(out[key]):
            out[key] = out[key].astype("float64").round(1)
        elif key in MONEY_COLUMNS and pd.api.types.is_numeric_dtype(out[key]):
            out[key] = out[key].round().astype("Int64")
        elif key in POINTS_COLUMNS and pd.api.types.is_numeric_dtype(out[key]):
            # a format string cannot scale: the table holds points (the downloads keep the fraction)
            out[key] = out[key].astype("float64") * 100
        elif key in RATIO_COLUMNS and pd.api.types.is_numeric_dtype(out[key]):
            out[key] = out[key].astype("float64").map(shown_ratio)
    return out


def column_format(key: str) -> str | None:
    """Streamlit's NumberColumn format for a column (header key), None to leave it as Streamlit infers."""
    if key in PERCENT_COLUMNS:
        return "percent"
    if key in RATIO_COLUMNS:
        return f"%{RATIO_FORMAT}"
    if key in WHOLE_COLUMNS or key in FRACTIONAL_COLUMNS or key in MONEY_COLUMNS:
        return "localized"  # thousands separators; no decimals where the value has none
    if key in POINTS_COLUMNS:
        return L.t("points_format")
    if key in SCORE_COLUMNS:
        return "%.1f"
    if key == "year":
        return "%d"  # 2025, not 2,025
    return None


def undefined_note(frame: pd.DataFrame) -> str | None:
    """Why the table shows `—` where it does, or None when every ratio is defined."""
    reasons = []
    for key in frame.columns:
        reason = UNDEFINED_REASONS.get(key)
        if reason and frame[key].isna().any() and L.t(reason) not in reasons:
            reasons.append(L.t(reason))
    if not reasons:
        return None
    return L.t("undefined_note", reasons="；".join(reasons) if not L.is_en() else "; ".join(reasons))


def undefined_text(value: object, reason: str | None) -> str:
    """A ratio for a tooltip: the value as ratio_text shows it, or `—` with why it is undefined (a status or
    reason name such as `unserved`, `no_demand` or `insufficient_data`, named in the page's language)."""
    if value is not None and not pd.isna(value):
        return ratio_text(value)
    key = f"status_{reason}"
    return f"{UNDEFINED}（{L.t(key)}）" if key in L.TEXT and not L.is_en() else (
        f"{UNDEFINED} ({L.t(key)})" if key in L.TEXT else UNDEFINED)


def people_text(value: object, series: str) -> str:
    """A count of people for a tooltip: supply whole, demand to one decimal at most."""
    if value is None or pd.isna(value):
        return UNDEFINED
    if series in WHOLE_COLUMNS:
        return f"{round(float(value)):,}"
    return f"{float(value):,.1f}".removesuffix(".0")


# --- downloads ----------------------------------------------------------------------------------------
#: what a spreadsheet reads as the start of a formula (OWASP "CSV injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def _text_columns(frame: pd.DataFrame) -> Iterable[str]:
    return [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])
            and not pd.api.types.is_bool_dtype(frame[c])]


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that would run as a formula, prefixed with a single quote so that a spreadsheet shows them as
    text; numbers (a negative gap among them) stay numbers."""
    out = frame.copy()
    for column in _text_columns(out):
        out[column] = out[column].map(lambda v: f"'{v}" if _formula_like(v) else v)
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    # BOM: Excel opens it as UTF-8. CRLF lines (RFC 4180): a cell holding a lone carriage return is then quoted,
    # not read as the end of its row
    return neutralised(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def xlsx_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as a workbook; a formula-like text cell is stored as text (with Excel's quote prefix, which
    Excel shows as the text itself), never as a formula."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name="data")
        for cells in writer.sheets["data"].iter_rows(min_row=2):
            for cell in cells:
                if cell.data_type == "f" or _formula_like(cell.value):
                    cell.data_type = "s"
                    cell.quotePrefix = True
    return buffer.getvalue()
