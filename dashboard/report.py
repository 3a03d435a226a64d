"""Printable reports (docs/metrics.md; issue 28): a PDF of a province's or a university's year, in Chinese or
English — the headline figures, the card list, the top gaps, internship coverage and, for a university, its
scorecard — each chart as a static image and each table, with the build it was made from, its date and page
numbers. `portal report` writes one; the Overview and Scorecard pages offer the same as a download.

The figures are the pages' own queries (dashboard/queries.py, dashboard/scorecard_queries.py, so a university's
report binds the viewer's scope like the page), the charts the pages' own Altair charts (dashboard/charts.py)
rendered to PNG by vl-convert, without a browser; the PDF is written by fpdf2 with a CJK font embedded
(Debian's fonts-noto-cjk, found at run time)."""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st
import vl_convert
from fontTools.ttLib import TTCollection
from fpdf import FPDF
from fpdf.fonts import FontFace
from PIL import Image

from dashboard import charts, formatting, queries, reading, settings, skills_queries, ui
from dashboard import labels as L
from dashboard import scorecard_queries as sq
from dashboard.access import EVERYTHING, Access
from sources.reference_data import PROVINCE_ALIASES_SQL

#: where Debian's fonts-noto-cjk puts its fonts; the first that exists is embedded
FONT_PACKAGE = "fonts-noto-cjk"
FONT_CANDIDATES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
)
FONT = "cjk"
MAX_TABLE_ROWS = 40
#: the command line's access (`portal report`): it runs on the server, as the data staff do
COMMAND_LINE = Access(EVERYTHING, audit=True)


class FontMissing(RuntimeError):
    """No CJK font to embed: the report would show no Chinese."""


def cjk_font() -> tuple[Path, int]:
    """The CJK font file to embed, and the face of Simplified Chinese in it (a .ttc holds JP, KR, SC, ...)."""
    for path in FONT_CANDIDATES:
        if path.is_file():
            if path.suffix.lower() != ".ttc":
                return path, 0
            faces = [f["name"].getDebugName(1) or "" for f in TTCollection(str(path), lazy=True).fonts]
            return path, next((i for i, name in enumerate(faces) if name.endswith(" SC")), 0)
    raise FontMissing(
        f"a report embeds a CJK font and none was found (looked for {', '.join(str(p) for p in FONT_CANDIDATES)}): "
        f"install Debian's {FONT_PACKAGE} (sudo apt-get install {FONT_PACKAGE})")


@dataclass
class Section:
    title: str
    chart: alt.TopLevelMixin | None = None
    table: pd.DataFrame | None = None  # columns already headed in the report's language
    notes: list[str] = field(default_factory=list)


# --- content -------------------------------------------------------------------------------------------


def _undefined(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _cells(key: str, values: list[object]) -> list[str]:
    """A table column's cells as the pages show them: people whole, ratios and shares as the pages format them,
    changes of a share in percentage points, any other number (a score, a salary, demand) with one decimal or none,
    the same for every row, so that a column's numbers line up; — undefined. (`z`: a value that rounds to 0 is
    never printed -0.)"""
    defined = [float(v) for v in values if isinstance(v, numbers.Real) and not _undefined(v)]
    if key in formatting.PERCENT_COLUMNS:
        spec, scale, suffix = "z.1f", 100, "%"
    elif key in formatting.RATIO_COLUMNS:  # (never rounded across its status's threshold: shown_ratio)
        return [formatting.ratio_text(v) for v in values]
    elif key in formatting.WHOLE_COLUMNS:
        spec, scale, suffix = "z,.0f", 1, ""
    elif key in formatting.POINTS_COLUMNS:  # as the pages show them: percentage points (+ 0.0 turns -0.0 into 0.0)
        return [formatting.UNDEFINED if _undefined(v) else L.t("points_format") % (round(100 * float(v), 1) + 0.0)
                for v in values]
    else:
        whole = all(round(n, 1) == round(n) for n in defined)
        spec, scale, suffix = ("z,.0f" if whole else "z,.1f"), 1, ""
    return [formatting.UNDEFINED if _undefined(v) else
            f"{scale * float(v):{spec}}{suffix}" if isinstance(v, numbers.Real) else str(v) for v in values]


def _table(frame: pd.DataFrame, columns: list[tuple[str, str]]) -> pd.DataFrame:
    shown = ui.display_frame(frame, columns).head(MAX_TABLE_ROWS)
    return pd.DataFrame({L.column(k): _cells(k, list(shown[k])) for k in shown.columns})


def _headline(access: Access, level: str, geography: str, year: int, study_level: str) -> Section:
    headline = queries.headline(access, level, geography, study_level).set_index("year")
    # graduate-level (研究生) demand is its own row's demand, shown apart from any other level's figures
    graduate = queries.headline(access, level, geography, settings.GRADUATE_LEVEL).set_index("year")
    headline = headline.assign(graduate_demand=graduate["demand"])
    figures = [("m_graduates", "graduates", L.number), ("m_demand", "demand", L.number)]
    if study_level != settings.GRADUATE_LEVEL:
        figures.append(("m_graduate_demand", "graduate_demand", L.number))
    rows = []
    for label, column, fmt in (*figures, ("m_shortage_majors", "shortage_majors", L.number),
                               ("m_coverage", "coverage", L.percent), ("m_relevance", "relevance", L.percent),
                               ("m_conversion", "conversion", L.percent), ("m_retention", "retention", L.percent)):
        this = headline.loc[year, column] if year in headline.index else None
        last = headline.loc[year - 1, column] if year - 1 in headline.index else None
        rows.append({L.t("report_figure"): L.t(label), str(year): fmt(this) if this is not None else "—",
                     str(year - 1): fmt(last) if last is not None else "—"})
    return Section(L.t("report_headline"), table=pd.DataFrame(rows))


def province_sections(access: Access, province: str, year: int, study_level: str) -> list[Section]:
    name = L.name_column("major")
    gaps = queries.major_gap(access, "province", province, year, study_level)
    carded = gaps[gaps["card"].notna()].copy()
    carded["card_order"] = carded["card"].map({c: i for i, c in enumerate(L.CARDS)})
    carded = carded.sort_values(["card_order", "major_code"])
    carded["card_statuses"] = list(zip(carded["survey_years"], carded["statuses"], strict=True))
    sections = [
        _headline(access, "province", province, year, study_level),
        Section(L.t("cards_title"),
                chart=charts.status_bars(carded.dropna(subset=["alignment"]), name, "alignment",
                                         L.t("cards_title"), L.t("ax_alignment")) if len(carded) else None,
                table=_table(carded, [("major_code", "major_code"), ("major", name), ("card", "card"),
                                      ("card_statuses", "card_statuses"), ("alignment", "alignment")]),
                notes=[] if len(carded) else [L.t("report_no_cards")]),
    ]
    shown = [("major", name), ("supply", "supply"), ("demand", "demand"), ("alignment", "alignment")]
    for status in ("shortage", "surplus"):
        top = queries.top_majors(access, "province", province, year, status, study_level=study_level)
        sections.append(Section(
            L.t(f"top_{status}"),
            chart=charts.status_bars(top.dropna(subset=["alignment"]), name, "alignment", L.t(f"top_{status}"),
                                     L.t("ax_alignment")) if len(top) else None,
            table=_table(top, shown)))
    counts = queries.status_counts_by_place(access, "province", province, year, study_level)
    counts = counts.assign(place=counts["geography_en"] if L.is_en() else counts["geography"])
    sections.append(Section(
        L.t("gap_by_place"),
        chart=charts.status_counts(counts, "place", f"{L.t('ax_majors')} · {year}") if len(counts) else None,
        table=_table(counts, [("city", "place"), ("shortage_majors", "shortage_majors"),
                              ("balanced_majors", "balanced_majors"), ("surplus_majors", "surplus_majors"),
                              ("graduates", "graduates"), ("demand", "demand")])))
    pillars = queries.pillar_gap(access, "province", province, year, study_level)
    pillars = pillars.assign(pillar_label=pillars["pillar"].map(L.pillar))
    sections.append(Section(
        L.t("pillar_gap"),
        chart=charts.status_bars(pillars.dropna(subset=["alignment"]), "pillar_label", "alignment",
                                 L.t("alignment_chart"), L.t("ax_alignment")) if len(pillars) else None,
        table=_table(pillars, [("pillar", "pillar_label"), ("supply", "supply"), ("demand", "demand"),
                               ("alignment", "alignment"), ("status", "status")])))
    internships = queries.internship_by_major(access, "province", province, year)
    internships = internships.merge(gaps[["major_code"]], on="major_code")  # the majors of this level
    sections.append(Section(
        L.t("region_internships"),
        chart=charts.value_bars(internships.dropna(subset=["coverage"]).head(25), name, "coverage",
                                L.t("coverage_by_major"), L.t("ax_coverage")) if len(internships) else None,
        table=_table(internships, [("major_code", "major_code"), ("major", name), ("graduates", "graduates"),
                                   ("placements", "placements"), ("coverage", "coverage"),
                                   ("relevance", "relevance"), ("conversion", "conversion"),
                                   ("retention", "retention")])))
    skills = skills_queries.top_skills(access, "province", province, year)
    skills = skills.assign(skill=skills["skill_name_en" if L.is_en() else "skill_name"])
    sections.append(Section(
        L.t("report_top_skills"),
        chart=charts.value_bars(skills, "skill", "skill_demand", L.t("report_top_skills"), L.t("ax_people"))
        if len(skills) else None,
        table=_table(skills, [("skill", "skill"), ("skill_demand", "skill_demand"),
                              ("salary_median", "salary_median")]),
        notes=[L.t("salary_note")]))
    return sections


def university_sections(access: Access, university: str, year: int,
                        study_level: str) -> list[Section]:
    """A university's scorecard (equal weights) and internship coverage; empty when the viewer may not see it."""
    name = L.name_column("major")
    weights = tuple((i, 1.0) for i in sq.available_indicators())
    card = sq.scorecard(access, sq.UNIVERSITY_SCOPE, university, study_level, year, weights)
    if card.empty:
        return []
    card["missing_text"] = card["missing"].map(lambda items: ", ".join(L.t(f"indicator_{i}") for i in items))
    columns = [("major_code", "major_code"), ("major", name), ("score", "score"), ("card", "card"),
               ("status", "status")]
    columns += [("salary_scorecard" if i == "salary" else i, i) for i, _ in weights]
    coverage = queries.university_coverage(access, university, year)
    return [
        Section(L.t("page_scorecard"), chart=charts.score_bars(card[[name, "score", "card", "missing_text"]], name,
                                                                L.t("score_chart")),
                table=_table(card, columns), notes=[L.t("report_equal_weights")]),
        Section(L.t("coverage_by_major"),
                chart=charts.value_bars(coverage.dropna(subset=["coverage"]), name, "coverage",
                                        L.t("coverage_by_major"), L.t("ax_coverage")) if len(coverage) else None,
                table=_table(coverage, [("major_code", "major_code"), ("major", name), ("graduates", "graduates"),
                                        ("placements", "placements"), ("coverage", "coverage"),
                                        ("relevance", "relevance"), ("conversion", "conversion"),
                                        ("retention", "retention")])),
    ]


# --- the PDF -------------------------------------------------------------------------------------------
class _Report(FPDF):
    footer_text: Callable[[int], str] = staticmethod(lambda page: str(page))

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(0, 8, self.footer_text(self.page_no()), align="C")


#: the width charts are drawn at (the pages stretch them to the browser's width; a page of paper has none)
CHART_WIDTH = 520


def _png(chart: alt.TopLevelMixin) -> bytes:
    spec = chart.to_dict()
    spec.setdefault("width", CHART_WIDTH)
    return vl_convert.vegalite_to_png(spec, scale=2)


def _image_size(pdf: FPDF, png: bytes) -> tuple[float, float]:
    """The chart's size on the page: as wide as the text, or smaller so that it takes at most CHART_MAX_HEIGHT of
    a page (a tall chart leaves room for some of its table)."""
    with Image.open(BytesIO(png)) as image:
        width, height = image.size
    w = pdf.epw * 0.85
    h = w * height / width
    if h > pdf.eph * CHART_MAX_HEIGHT:
        h = pdf.eph * CHART_MAX_HEIGHT
        w = h * width / height
    return w, h


#: the most of a page's height a chart takes; a chart that does not fit in what is left of a page is shrunk to
#: fit there down to CHART_MIN_SCALE of its size (smaller, its labels are hard to read), else starts a new page
CHART_MAX_HEIGHT = 0.75
CHART_MIN_SCALE = 0.75
#: the room a table's heading row and first rows take, kept on the page with the section's heading and chart
TABLE_START_MM = 25


def _section_start(pdf: FPDF, section: Section, png: bytes | None) -> float:
    """Break the page before a section whose heading, notes, chart and its table's first rows do not fit in what
    is left of this one (a heading alone at a page's foot), unless the chart shrunk within CHART_MIN_SCALE makes
    them fit; the scale to draw the chart at. Heights are measured by fpdf2's dry runs."""
    pdf.set_font(FONT, size=13)
    needed = 4 + pdf.multi_cell(0, 8, section.title, dry_run=True, output="HEIGHT")
    pdf.set_font(FONT, size=8)
    needed += sum(pdf.multi_cell(0, 5, note, dry_run=True, output="HEIGHT") for note in section.notes)
    if section.table is not None and not section.table.empty:
        needed += TABLE_START_MM
    chart = _image_size(pdf, png)[1] if png is not None else 0
    left = pdf.page_break_trigger - pdf.y
    if needed + chart <= left:
        return 1.0
    if chart and needed + chart * CHART_MIN_SCALE <= left:
        return (left - needed) / chart
    if pdf.y > pdf.t_margin + 1:  # (not on a page that is still empty)
        pdf.add_page()
    return 1.0


#: a table's text sizes (points), the largest first: a smaller one is used when the columns' longest words do not
#: fit side by side in the larger
TABLE_FONT_SIZES = (8, 7, 6)
#: what a cell's line may not be broken within: a word of Latin text; any single Chinese character or full-width
#: sign (Chinese breaks between any two)
_CJK = "\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_UNBREAKABLE = re.compile(f"[{_CJK}]|[^\\s{_CJK}]+")


def _column_widths(pdf: FPDF, rows: list[list[str]]) -> list[float] | None:
    """Widths (mm, the text's width in all) for the columns of `rows` at the current font in which fpdf2's word
    wrapping never breaks a word: each column as wide as its longest word, and as wide as its longest line up
    to a width that every column wider than that gets (so that the short columns, a status, a number, stay on
    one line and the long ones share what is left); None when the longest words do not fit side by side.
    (fpdf2 sizes a table's columns equally, and breaks a word wider than its column mid-word.)"""
    margins = 2 * pdf.c_margin + 0.2  # (a cell's text is inset by c_margin each side; 0.2: rounding)
    columns = list(zip(*rows, strict=True))
    least = [max((pdf.get_string_width(w) for cell in c for w in _UNBREAKABLE.findall(cell)), default=0) + margins
             for c in columns]
    longest = [max(pdf.get_string_width(cell) for cell in c) + margins for c in columns]
    wanted = [max(w, m) for w, m in zip(longest, least, strict=True)]
    if sum(least) > pdf.epw:
        return None
    if sum(wanted) <= pdf.epw:
        return [w * pdf.epw / sum(wanted) for w in wanted]

    def widths(cap: float) -> list[float]:
        return [min(w, max(m, cap)) for w, m in zip(wanted, least, strict=True)]

    # the cap at which the widths fill the page, by bisection (their sum grows with the cap)
    low, high = 0.0, max(wanted)
    for _ in range(40):
        cap = (low + high) / 2
        if sum(widths(cap)) < pdf.epw:
            low = cap
        else:
            high = cap
    return widths(high)


def _table_out(pdf: FPDF, table: pd.DataFrame) -> None:
    """The table at the largest of TABLE_FONT_SIZES at which its columns keep their words whole (at the smallest
    when none does)."""
    rows = [[str(c) for c in table.columns], *([str(v) for v in values] for values in table.itertuples(index=False))]
    for size in TABLE_FONT_SIZES:
        pdf.set_font(FONT, size=size)
        widths = _column_widths(pdf, rows)
        if widths is not None:
            break
    with pdf.table(headings_style=FontFace(emphasis=None, fill_color=(230, 230, 230)), col_widths=widths,
                   line_height=pdf.font_size * 1.75, text_align="LEFT") as out:
        for row in rows:
            out.row(row)


def render(title: str, subtitle: str, sections: list[Section]) -> bytes:
    font, face = cjk_font()
    pdf = _Report(format="A4")
    pdf.footer_text = lambda page: L.t("report_page", page=page, pages="{nb}")
    pdf.add_font(FONT, fname=str(font), collection_font_number=face)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    pdf.set_font(FONT, size=18)
    pdf.multi_cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    pdf.multi_cell(0, 5, subtitle, new_x="LMARGIN", new_y="NEXT")
    for section in sections:
        png = _png(section.chart) if section.chart is not None else None
        scale = _section_start(pdf, section, png)
        pdf.ln(4)
        pdf.set_font(FONT, size=13)
        pdf.multi_cell(0, 8, section.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=8)
        for note in section.notes:
            pdf.multi_cell(0, 5, note, new_x="LMARGIN", new_y="NEXT")
        if png is not None:
            w, h = _image_size(pdf, png)
            pdf.image(BytesIO(png), w=w * scale, h=h * scale)
        if section.table is not None and not section.table.empty:
            _table_out(pdf, section.table)
            pdf.set_font(FONT, size=8)
            if len(section.table) >= MAX_TABLE_ROWS:
                pdf.multi_cell(0, 5, L.t("report_rows_cut", n=MAX_TABLE_ROWS), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _province(provinces: pd.DataFrame, spelled: str) -> str:
    """The province (of `provinces`, those the viewer may see) that `spelled` names as a source file may name it
    (辽宁省, 辽宁, Liaoning, Liaoning Province: sources/reference_data.py PROVINCE_ALIASES_SQL; the file's cell
    NFKC-folded, its whitespace folded, in any case); ValueError listing the provinces when none."""
    alias = " ".join(unicodedata.normalize("NFKC", spelled).split()).lower()
    found = reading.query(f"SELECT province_name FROM ({PROVINCE_ALIASES_SQL}) WHERE alias = ?", (alias,))
    names = list(provinces["province_name"])
    if len(found) and found["province_name"].iloc[0] in names:
        return str(found["province_name"].iloc[0])
    listed = ", ".join(f"{zh} ({en})" if en else zh
                       for zh, en in zip(provinces["province_name"], provinces["province_name_en"], strict=True))
    raise ValueError(f"no province {spelled!r} in the warehouse; its provinces are {listed or 'none'}")


def _no_scorecard(access: Access, university: str, year: int, study_level: str) -> str:
    """Why a university has no report: on the command line (which sees every university), the years it has a
    scorecard for; a viewer of the dashboard is told only what this account may see."""
    if access is not COMMAND_LINE:
        return f"no scorecard for university {university!r} in {year} that this account may see"
    years = reading.query("SELECT DISTINCT year FROM marts.scorecard WHERE scope_level = 'university' "
                          "AND university_code = ? AND level = ? ORDER BY year", (university, study_level))["year"]
    if years.empty:
        return f"no scorecard for university {university!r} ({study_level}) in the warehouse"
    return (f"no scorecard for university {university!r} ({study_level}) in {year} in the warehouse; it has one for "
            f"{', '.join(str(y) for y in years)}")


def report(kind: str, key: str, year: int, lang: str = "zh", study_level: str = "本科",
           access: Access = COMMAND_LINE) -> bytes:
    """The PDF of a province (kind 'province', key its name) or a university (kind 'university', key its
    code) for a year, in a language; `access` is the viewer's (the command line's is the data
    staff's). A province may be named as a source file names it (Liaoning). Raises FontMissing without a CJK
    font, ValueError for a subject with nothing to report.

    The labels read the language from the session, so it is set for the report and then put back: a report in
    the other language must not switch the page it was asked for from (nor, in one process, what comes next)."""
    had, before = L.LANG_KEY in st.session_state, st.session_state.get(L.LANG_KEY)
    st.session_state[L.LANG_KEY] = lang
    try:
        return _report(kind, key, year, study_level, access)
    finally:
        if had:
            st.session_state[L.LANG_KEY] = before
        else:
            del st.session_state[L.LANG_KEY]


def _report(kind: str, key: str, year: int, study_level: str, access: Access) -> bytes:
    # (the build's id and date are printed for any viewer: a report says what it was made from; the rest of
    # audit.build stays the data staff's)
    build = queries.build_info(COMMAND_LINE)
    # times in Beijing time, as the dashboard shows them (a report made at 23:17 UTC is of the next day there)
    built = "" if build is None or build.empty else L.t(
        "report_built", build=build["build_id"].iloc[0],
        date=L.timestamp(pd.Timestamp(build["published_at"].iloc[0]).to_pydatetime()))
    made = L.t("report_made", date=L.timestamp(_now()))
    if kind == "province":
        provinces = queries.provinces(access)
        key = _province(provinces, key)
        place = L.place("province", key, dict(zip(provinces["province_name"], provinces["province_name_en"])), {})
        sections = province_sections(access, key, year, study_level)
    elif kind == "university":
        sections = university_sections(access, key, year, study_level)
        if not sections:
            raise ValueError(_no_scorecard(access, key, year, study_level))
        found = sq.subjects(access, study_level, year)
        found = found[found["key"] == key]
        place = f"{(found['university_name_en'] if L.is_en() else found['university_name']).iloc[0]} · {key}"
    else:
        raise ValueError(f"a report is of a province or a university, not {kind!r}")
    title = L.t("report_title", place=place, year=year, level=L.study_level(study_level))
    return render(title, f"{built}\n{made}", sections)
