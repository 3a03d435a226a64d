"""Colours, legends and numbers as a planner reads them (METRICS.md "Colours", issue 25 "People are whole"),
and downloads that a spreadsheet cannot run as formulas (issue 26). Charts are checked on their Vega-Lite
specs: which colour each status gets, and that the chart says so in a legend."""

from __future__ import annotations

import colorsys
import io

import openpyxl
import pandas as pd
import pytest

from dashboard import charts, formatting
from dashboard import labels as L

STATUS_ZH = {"shortage": "紧缺", "balanced": "平衡", "surplus": "过剩"}


def rgb(colour: str) -> tuple[float, float, float]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4))


def hue(colour: str) -> float:
    """Hue in degrees (0 red, 120 green, 240 blue)."""
    return 360 * colorsys.rgb_to_hsv(*rgb(colour))[0]


def saturation(colour: str) -> float:
    return colorsys.rgb_to_hsv(*rgb(colour))[1]


def lightness(colour: str) -> float:
    """CIELAB L*, the lightness a red-green colour-blind reader still sees."""
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb(colour))
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 116 * y ** (1 / 3) - 16 if y > 0.008856 else 903.3 * y


def encodings(spec: dict) -> list[dict]:
    """Every mark's encoding in a (possibly layered) Vega-Lite spec."""
    out = [spec["encoding"]] if "encoding" in spec else []
    for layer in spec.get("layer", []):
        out += encodings(layer)
    return out


def colour_channels(spec: dict) -> list[dict]:
    return [e[channel] for e in encodings(spec) for channel in ("color", "fill") if channel in e
            and "field" in e[channel]]


def colour_of(spec: dict) -> dict[str, str]:
    """What each legend entry is drawn in: domain value -> colour, over all the chart's colour scales."""
    out = {}
    for channel in colour_channels(spec):
        scale = channel.get("scale", {})
        out.update(zip(scale.get("domain", []), scale.get("range", []), strict=True))
    return out


GAPS = pd.DataFrame({
    "major": ["软件工程", "市场营销", "机械工程", "临床医学"],
    "supply": [1025.0, 800.0, 400.0, 0.0],
    "demand": [2400.5, 120.0, 410.0, 35.0],
    "alignment": [2.3, 0.4, 1.0, None],
    "status": ["shortage", "surplus", "balanced", "unserved"],
})
TREND = pd.DataFrame({"year": [2022, 2023, 2024], "status": ["balanced", "shortage", "shortage"],
                      "supply": [900.0, 1000.0, 1025.0], "demand": [950.0, 1500.0, 2400.5]})
COUNTS = pd.DataFrame({"place": ["辽宁省", "吉林省"], "shortage_majors": [5, 3], "balanced_majors": [7, 2],
                       "surplus_majors": [4, 6]})
MAP = pd.DataFrame({"city": ["沈阳市", "大连市", "吉林市"], "longitude": [123.4, 121.6, 126.5],
                    "latitude": [41.8, 38.9, 43.8], "supply": [600.0, 0.0, None], "demand": [900.0, 40.5, None],
                    "alignment": [1.6, None, None], "status": ["shortage", "unserved", None]})


def every_chart() -> dict[str, dict]:
    return {
        "status_bars": charts.status_bars(GAPS, "major", "alignment", "供需比", "供需比").to_dict(),
        "status_counts": charts.status_counts(COUNTS, "place", "专业数").to_dict(),
        "city_map": charts.city_map(MAP, "city", "地图").to_dict(),
        "supply_demand_bars": charts.supply_demand_bars(GAPS, "major", "供需").to_dict(),
        "trend": charts.trend(TREND, "趋势").to_dict(),
        "value_bars": charts.value_bars(GAPS.assign(coverage=[0.5, 0.2, 0.1, 0.3]), "major", "coverage", "覆盖率",
                                        "覆盖率").to_dict(),
    }


@pytest.mark.parametrize("name", list(every_chart()))
def test_every_chart_has_a_titled_legend_for_its_colours(name):
    spec = every_chart()[name]
    channels = colour_channels(spec)
    assert channels, f"{name} encodes nothing in colour"
    for channel in channels:
        assert channel.get("legend", {}) is not None, f"{name}: a colour without a legend"
        assert channel.get("title"), f"{name}: a legend without a title"
        assert channel.get("scale", {}).get("domain"), f"{name}: colours not fixed to their meanings"


@pytest.mark.parametrize("name", ["status_bars", "status_counts", "city_map", "trend"])
def test_status_charts_draw_shortage_green_balanced_grey_surplus_red(name):
    colours = colour_of(every_chart()[name])
    shortage, balanced, surplus = (colours[STATUS_ZH[s]] for s in ("shortage", "balanced", "surplus"))
    assert 90 <= hue(shortage) <= 160 and saturation(shortage) > 0.4, shortage  # green
    assert (hue(surplus) <= 20 or hue(surplus) >= 340) and saturation(surplus) > 0.4, surplus  # red
    assert saturation(balanced) < 0.05, balanced  # grey
    # red-green colour-blind readers tell them apart by lightness
    assert abs(lightness(shortage) - lightness(surplus)) >= 8


def test_a_status_keeps_its_colour_whichever_statuses_a_chart_shows():
    all_three = colour_of(charts.status_bars(GAPS, "major", "alignment", "a", "a").to_dict())
    only_surplus = colour_of(charts.status_bars(GAPS[GAPS["status"] == "surplus"], "major", "alignment", "a",
                                                "a").to_dict())
    assert only_surplus["过剩"] == all_three["过剩"]
    assert only_surplus["紧缺"] == all_three["紧缺"]


def test_the_other_statuses_have_colours_of_their_own_and_unjudged_is_light_grey():
    colours = colour_of(every_chart()["status_bars"])
    names = {s: L.t(f"status_{s}") for s in ("shortage", "balanced", "surplus", "unserved", "no_demand",
                                              "imports", "insufficient_data")}
    assert len({colours[n] for n in names.values()}) == len(names), colours
    assert 90 <= hue(colours[names["unserved"]]) <= 160  # a shortage, deeper
    assert lightness(colours[names["unserved"]]) < lightness(colours[names["shortage"]])
    assert hue(colours[names["no_demand"]]) <= 30 or hue(colours[names["no_demand"]]) >= 340  # a paler surplus
    assert lightness(colours[names["no_demand"]]) > lightness(colours[names["surplus"]])
    assert 190 <= hue(colours[names["imports"]]) <= 250  # blue: no verdict
    insufficient = colours[names["insufficient_data"]]
    assert saturation(insufficient) < 0.05 and lightness(insufficient) > lightness(colours[names["balanced"]])


def test_legends_list_the_statuses_shown_besides_the_three_verdicts():
    [channel] = colour_channels(every_chart()["status_bars"])
    assert channel["legend"]["values"] == ["无供给", "紧缺", "平衡", "过剩"]


def test_cards_are_green_amber_red_like_the_statuses():
    spec = {"encoding": {"color": charts.card_colour().to_dict()}}
    colours = colour_of(spec)
    statuses = colour_of(every_chart()["status_bars"])
    assert colours["绿牌"] == statuses["紧缺"] and colours["红牌"] == statuses["过剩"]
    assert 30 <= hue(colours["黄牌"]) <= 50 and saturation(colours["黄牌"]) > 0.6  # amber
    assert spec["encoding"]["color"]["title"] == "专业预警"


def test_supply_and_demand_use_no_status_colour():
    statuses = set(colour_of(every_chart()["status_bars"]).values())
    series = colour_of(every_chart()["supply_demand_bars"])
    assert set(series) == {"供给", "需求"}
    assert not statuses & set(series.values())


# --- numbers ---------------------------------------------------------------------------------------
def test_tables_show_people_whole_and_demand_to_one_decimal_at_most():
    shown = formatting.table_values(pd.DataFrame({"supply": [1025.0, 3.0], "graduates": [12.0, None],
                                                  "demand": [505.3333, 51.0], "alignment": [2.994, None]}))
    assert [str(v) for v in shown["supply"]] == ["1025", "3"]
    assert shown["graduates"].isna().tolist() == [False, True]
    assert shown["demand"].tolist() == [505.3, 51.0]
    assert shown["alignment"].tolist()[0] == 2.99  # two decimals, as column_format shows them
    assert formatting.column_format("supply") == formatting.column_format("demand") == "localized"


def test_an_alignment_never_reads_across_the_threshold_its_status_is_judged_on():
    # 1.2451 is balanced (< 1.25) and 0.8049 balanced (> 0.80): two decimals would show the thresholds themselves
    shown = formatting.table_values(pd.DataFrame({"alignment": [1.2451, 0.8049, 1.25, 0.80, 1.2549, 0.7951]}))
    assert [f"{v:.2f}" for v in shown["alignment"]] == ["1.24", "0.81", "1.25", "0.80", "1.25", "0.80"]
    assert formatting.undefined_text(1.2451, "balanced") == "1.24"


def test_tooltips_show_whole_people_and_say_why_a_ratio_is_undefined():
    assert formatting.people_text(1025.0, "supply") == "1,025"
    assert formatting.people_text(12.5, "demand") == "12.5"
    assert formatting.people_text(1025.0, "demand") == "1,025"
    assert formatting.undefined_text(None, "unserved") == "—（无供给）"
    assert formatting.undefined_text(float("nan"), "insufficient_data") == "—（数据不足）"
    assert formatting.undefined_text(1.2345, "shortage") == "1.23"
    tooltip = charts.city_map(MAP, "city", "地图").to_dict()
    data = next(iter(tooltip["datasets"].values())) if "datasets" in tooltip else []
    texts = [row.get("alignment_text") for values in tooltip.get("datasets", {}).values() for row in values]
    assert "—（无供给）" in texts and not any(t in ("None", "nan") for t in texts if t), (data, texts)


def test_a_table_with_undefined_ratios_says_why():
    note = formatting.undefined_note(pd.DataFrame({"alignment": [1.0, None], "coverage": [0.5, None]}))
    assert note.startswith("“—”表示无法计算") and "无需求" in note and "没有毕业生" in note
    assert formatting.undefined_note(pd.DataFrame({"alignment": [1.0], "supply": [None]})) is None


# --- downloads: formulas neutralised (issue 26) ---------------------------------------------------------
HOSTILE = pd.DataFrame({"企业": ["=HYPERLINK(\"http://x\",\"点击\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\r=1",
                                 "长春某汽车零部件有限公司"],
                        "供需差（人）": [-5.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})


def test_csv_download_shows_formula_like_text_as_text_and_keeps_numbers():
    frame = pd.read_csv(io.BytesIO(formatting.csv_bytes(HOSTILE)), encoding="utf-8-sig", keep_default_na=False)
    assert all(v.startswith("'") for v in frame["企业"][:6]), frame["企业"].tolist()
    assert frame["企业"][6] == "长春某汽车零部件有限公司"
    assert frame["供需差（人）"].tolist() == HOSTILE["供需差（人）"].tolist()  # a negative number stays a number


def test_xlsx_download_stores_formula_like_text_as_text_and_keeps_numbers():
    sheet = openpyxl.load_workbook(io.BytesIO(formatting.xlsx_bytes(HOSTILE))).active
    cells = list(sheet.iter_rows(min_row=2))
    for row in cells[:6]:
        assert row[0].data_type == "s" and row[0].quotePrefix, (row[0].value, row[0].data_type)
    # shown as written, not run (XML reads a carriage return back as a line feed)
    assert [row[0].value for row in cells] == [v.replace("\r", "\n") for v in HOSTILE["企业"]]
    assert [row[1].value for row in cells] == HOSTILE["供需差（人）"].tolist()
    assert cells[0][1].data_type == "n"
