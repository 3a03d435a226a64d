"""`portal report`: a PDF of Liaoning (and of a university) whose text is extractable Chinese, with every
chart as an image, the card list and the headline figures of the marts, page numbers and the build."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from pypdf.generic import NameObject

from dashboard import labels as L
from dashboard import report
from pipelines.cli import main

YEAR = 2025


def read(path) -> PdfReader:
    """The PDF for reading its text. pypdf reads the font's embedded encoding CMap (2-byte codes, as fpdf2 writes
    them) a byte at a time: a NUL came before each character, and a character of a code over 255 (one first
    drawn after 255 others) read as others. Its codes are read as Identity-H's, two bytes each, which the
    ToUnicode map (right) then names."""
    reader = PdfReader(str(path))
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font.get_object()[NameObject("/Encoding")] = NameObject("/Identity-H")
    return reader


def text_of(path) -> tuple[PdfReader, str]:
    reader = read(path)
    # spaces are layout: compare the words
    return reader, re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


@pytest.fixture(scope="module")
def liaoning(demo_build, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "liaoning.pdf"
    assert main(["report", "--scope", "province=辽宁省", "--year", str(YEAR), "--out", str(out),
                 "--warehouse", str(demo_build.warehouse)]) == 0
    return out


def lines(path) -> list[tuple[float, float, str]]:
    """Each line of text the PDF draws (a table cell's line among them), page after page: where it starts (x, y
    from the page's foot) and its text; pypdf's visitor sees them one by one."""
    found = []
    for page in read(path).pages:
        page.extract_text(visitor_text=lambda text, cm, tm, font, size: found.append((tm[4], tm[5], text)))
    return [(x, y, text.strip()) for x, y, text in found]


def column(path, header: str) -> list[str]:
    """The lines of text under a table's column whose heading has the line `header`, page after page: those drawn
    at the heading's left edge below it (pypdf's visitor sees each line fpdf2 draws, with where it starts)."""
    cells = []
    for page in read(path).pages:
        drawn = []
        page.extract_text(visitor_text=lambda text, cm, tm, font, size, drawn=drawn: drawn.append((tm[4], tm[5], text)))
        drawn = [(x, y, text.strip()) for x, y, text in drawn]
        for hx, hy in [(x, y) for x, y, text in drawn if text == header]:
            cells += [text for x, y, text in drawn if abs(x - hx) < 1 and y < hy - 1 and text]
    return cells


@pytest.fixture(scope="module")
def jilin(demo_build, tmp_path_factory):
    """Jilin University's scorecard in English: one of its scores is whole (55), some demand trends round to -0."""
    out = tmp_path_factory.mktemp("report") / "jilin.pdf"
    assert main(["report", "--scope", "university=10183", "--year", str(YEAR), "--lang", "en", "--out", str(out),
                 "--warehouse", str(demo_build.warehouse)]) == 0
    return out


def test_liaoning_report_has_chinese_text_cards_and_headline_figures_of_the_marts(liaoning, demo_build):
    reader, text = text_of(liaoning)
    assert f"辽宁省·{YEAR}年校企合作报告（本科）" in text
    with demo_build.connect() as con:
        headline = con.execute("SELECT graduates, demand, coverage FROM marts.headline WHERE geography = '辽宁省' "
                               "AND level = '本科' AND year = ?", [YEAR]).fetchone()
        cards = con.execute("SELECT major_name, card FROM marts.major_cards WHERE geography = '辽宁省' "
                            "AND level = '本科' AND year = ? AND card IS NOT NULL", [YEAR]).fetchall()
        build = con.execute("SELECT build_id FROM audit.build").fetchone()[0]
        # the province's most asked-for skill over all majors, recomputed from the positions' skills
        [(top_skill,)] = con.execute(
            "SELECT any_value(v.skill_name) FROM facts.demand AS d JOIN facts.position_skills AS p USING (position_id) "
            "JOIN reference.skills AS v USING (skill_id) WHERE d.province_name = '辽宁省' AND d.year = ? "
            "GROUP BY p.skill_id ORDER BY sum(d.demand) DESC, p.skill_id LIMIT 1", [YEAR]).fetchall()
    assert "用人单位要求最多的技能与薪资中位数" in text and re.sub(r"\s+", "", top_skill) in text
    assert f"毕业生（供给）{headline[0]:,.0f}" in text
    assert f"调查需求人数{headline[1]:,.0f}" in text
    assert f"实习覆盖率{100 * headline[2]:.1f}%" in text
    assert cards
    for name, _ in cards[: report.MAX_TABLE_ROWS]:
        assert re.sub(r"\s+", "", name) in text
    card_names = {"green": "绿牌", "yellow": "黄牌", "red": "红牌"}
    assert {card_names[c] for _, c in cards} <= set(re.findall("绿牌|黄牌|红牌", text))
    assert build in text
    pages = len(reader.pages)
    assert f"第1页，共{pages}页" in text and f"第{pages}页，共{pages}页" in text


def test_every_chart_is_an_image_and_the_cjk_font_is_embedded(liaoning):
    reader = PdfReader(str(liaoning))
    # cards, top shortage, top surplus, majors by city, pillar industries, internship coverage, top skills
    assert sum(len(page.images) for page in reader.pages) == 7
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            fonts.append((str(font.get_object()["/BaseFont"]), "/FontFile2" in descendant["/FontDescriptor"]
                          or "/FontFile3" in descendant["/FontDescriptor"]))
    assert fonts and all("NotoSansCJK" in name and embedded for name, embedded in fonts)


def test_english_report_of_a_university_within_scope(demo_build, tmp_path):
    out = tmp_path / "neu.pdf"
    assert main(["report", "--scope", "university=10145", "--year", str(YEAR), "--lang", "en", "--out", str(out),
                 "--warehouse", str(demo_build.warehouse)]) == 0
    _, text = text_of(out)
    assert "NortheasternUniversity·10145" in text and "Scorecard" in text and "Page1of" in text
    with demo_build.connect() as con:
        names = [n for (n,) in con.execute("SELECT DISTINCT m.major_name_en FROM marts.scorecard AS s JOIN "
                                           "dims.major AS m USING (major_code) WHERE university_code = '10145' "
                                           "AND year = ?", [YEAR]).fetchall()]
    assert names and all(re.sub(r"\s+", "", n) in text for n in names[:5])


def test_without_a_cjk_font_the_report_says_which_package_to_install(demo_build, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(report, "FONT_CANDIDATES", (tmp_path / "none.ttc",))
    out = tmp_path / "r.pdf"
    assert main(["report", "--scope", "province=辽宁省", "--year", str(YEAR), "--out", str(out),
                 "--warehouse", str(demo_build.warehouse)]) == 1
    assert "fonts-noto-cjk" in capsys.readouterr().err
    assert not out.exists()


def test_a_scope_that_is_neither_a_province_nor_a_university_is_refused(demo_build, tmp_path, capsys):
    assert main(["report", "--scope", "city=沈阳市", "--year", str(YEAR), "--out", str(tmp_path / "r.pdf"),
                 "--warehouse", str(demo_build.warehouse)]) == 2
    assert "province=<name> or university=<code>" in capsys.readouterr().err


def test_the_command_prints_only_what_it_wrote(demo_build, tmp_path):
    # as a user runs it, in a process of its own: Streamlit's warnings about running without a session (one per
    # label looked up) went to the terminal before "wrote …"
    out = tmp_path / "neu.pdf"
    run = subprocess.run([sys.executable, "-m", "pipelines.cli", "report", "--scope", "university=10145", "--year",
                          str(YEAR), "--lang", "en", "--out", str(out), "--warehouse", str(demo_build.warehouse)],
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert run.stdout.splitlines() == [f"wrote {out} ({out.stat().st_size:,} bytes)"]


@pytest.fixture(scope="module")
def liaoning_en(demo_build, tmp_path_factory):
    """Liaoning's report in English, the province named as a data file may name it."""
    out = tmp_path_factory.mktemp("report") / "liaoning-en.pdf"
    assert main(["report", "--scope", "province=liaoning  Province", "--year", str(YEAR), "--lang", "en", "--out",
                 str(out), "--warehouse", str(demo_build.warehouse)]) == 0
    return out


def test_a_province_is_named_as_the_data_files_name_it(liaoning_en):
    _, text = text_of(liaoning_en)
    assert f"Liaoning·school–enterprisereport{YEAR}(Bachelor)" in text


def test_a_section_heading_is_on_the_page_of_what_follows_it(liaoning_en):
    titles = {L.TEXT[key][1] for key in ("report_headline", "cards_title", "top_shortage", "top_surplus",
                                         "gap_by_place", "pillar_gap", "region_internships", "report_top_skills")}
    reader = read(liaoning_en)
    seen = set()
    for number, page in enumerate(reader.pages, start=1):
        drawn = []
        page.extract_text(visitor_text=lambda text, cm, tm, font, size, drawn=drawn: drawn.append((tm[5], text)))
        drawn = [(y, text.strip()) for y, text in drawn if text.strip() and not text.strip().startswith("Page ")]
        for y, text in drawn:
            if text in titles:
                seen.add(text)
                # the heading's table starts below it on the same page (the chart between is an image)
                assert any(below < y - 1 for below, _ in drawn), f"{text!r} alone at the foot of page {number}"
    assert seen == titles


def test_an_unknown_province_is_refused_with_the_names_there_are(demo_build, tmp_path, capsys):
    assert main(["report", "--scope", "province=Hebei", "--year", str(YEAR), "--out", str(tmp_path / "r.pdf"),
                 "--warehouse", str(demo_build.warehouse)]) == 1
    err = capsys.readouterr().err
    assert "no province 'Hebei'" in err
    assert all(name in err for name in ("辽宁省 (Liaoning)", "吉林省 (Jilin)", "黑龙江省 (Heilongjiang)"))


def test_a_year_without_a_scorecard_is_told_as_the_command_line_sees_it(demo_build, tmp_path, capsys):
    assert main(["report", "--scope", "university=10145", "--year", str(YEAR + 1), "--out", str(tmp_path / "r.pdf"),
                 "--warehouse", str(demo_build.warehouse)]) == 1
    err = capsys.readouterr().err
    # no account on the command line: the years the university has a scorecard for, not what an account may see
    assert "account" not in err
    assert f"in {YEAR + 1}" in err and str(YEAR) in err.split(f"in {YEAR + 1}", 1)[1]


def test_times_are_in_beijing_time(demo_build, tmp_path, monkeypatch):
    # made at 23:17 UTC: already the next day in Beijing
    monkeypatch.setattr(report, "_now", lambda: dt.datetime(2026, 12, 7, 23, 17, tzinfo=dt.UTC))
    out = tmp_path / "neu.pdf"
    assert main(["report", "--scope", "university=10145", "--year", str(YEAR), "--out", str(out),
                 "--warehouse", str(demo_build.warehouse)]) == 0
    _, text = text_of(out)
    assert "报告生成于2026年12月8日07:17（北京时间）" in text
    with demo_build.connect() as con:
        published = con.execute("SELECT published_at FROM audit.build").fetchone()[0]
    beijing = published.astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"发布于{beijing.year}年{beijing.month}月{beijing.day}日{beijing:%H:%M}（北京时间）" in text
    assert "UTC" not in text


def test_the_demand_trend_shows_the_share_per_year_as_the_scorecard_page_does(jilin, demo_build):
    with demo_build.connect() as con:
        trends = [v for (v,) in con.execute(
            "SELECT value FROM marts.scorecard WHERE scope_level = 'university' AND university_code = '10183' "
            "AND level = '本科' AND year = ? AND indicator = 'demand_trend'", [YEAR]).fetchall()]
    shown = [c for c in column(jilin, "Demand") if re.fullmatch(r"[+-][\d.]+ pp|—", c)]
    assert len(shown) == len(trends) <= report.MAX_TABLE_ROWS
    # in percentage points, as the Scorecard page shows it
    assert sorted(shown) == sorted("—" if v is None else f"{round(100 * v, 1) + 0.0:+.1f} pp" for v in trends)
    assert any(v is not None and round(v, 2) == 0 and v < 0 for v in trends)  # what used to print -0
    assert not [c for c in shown if re.fullmatch(r"-0(\.0*)? pp", c)]


def test_a_column_s_numbers_have_the_same_decimals(jilin):
    scores = [c for c in column(jilin, "Score") if c != "—"]
    assert len(scores) > 10
    assert all(re.fullmatch(r"\d+\.\d", s) for s in scores), scores


def test_table_cells_wrap_between_words(jilin, demo_build):
    with demo_build.connect() as con:
        names = [n for (n,) in con.execute(
            "SELECT DISTINCT m.major_name_en FROM marts.scorecard AS s JOIN dims.major AS m USING (major_code) "
            "WHERE s.university_code = '10183' AND s.year = ?", [YEAR]).fetchall()]
    words = {w for _, _, text in lines(jilin) for w in text.split()}
    # a word wider than an equal share of the page was cut (Intelligen / ce), as was a heading's (Conversio / n)
    assert {"Intelligence", "Engineering", "Conversion", "(share/year)"} <= words
    assert not [w for n in names for w in n.split() if w not in words]


def test_a_report_in_english_leaves_the_sessions_language_as_it_was(demo_build):
    """The labels read the language from the session: an English report asked for from a Chinese page must not
    turn the page English (nor, in one process, what runs next)."""
    import streamlit as st

    st.session_state[L.LANG_KEY] = "zh"
    try:
        pdf = report.report("university", "10183", YEAR, lang="en")
        assert pdf.startswith(b"%PDF") and L.lang() == "zh"
    finally:
        del st.session_state[L.LANG_KEY]
