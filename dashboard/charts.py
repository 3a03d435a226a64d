"""Every chart of the dashboard (Altair): titles and units on every axis, bars sorted by value, a legend on
every chart, and colours from dashboard/palette.py only — green shortage, grey balanced, red surplus — so a
colour means the same thing wherever a user meets it. Charts take frames whose text is already in the page's
language; numbers in axes and tooltips are formatted as in tables (dashboard/formatting.py).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard import formatting as F
from dashboard import labels as L
from dashboard import palette

# Streamlit sizes every chart to its container: Altair's default theme would fix a 300 px view (Streamlit's
# st.altair_chart switches it off the same way). Charts carry their data inline; a long list of majors must
# draw, not fail Altair's 5,000-row guard.
alt.theme.enable("none")
alt.data_transformers.disable_max_rows()

SUPPLY_COLOUR, DEMAND_COLOUR = palette.SERIES_COLOURS["supply"], palette.SERIES_COLOURS["demand"]
#: Streamlit fits the whole chart (title, legend, axes) into `height`: room for them besides the bars
CHROME_HEIGHT = 200


def _bars_height(rows: int, per_row: int) -> int:
    return CHROME_HEIGHT + per_row * max(rows, 3)
#: Chinese glyphs need a CJK font; browsers fall back to it from this list
FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif"


def status_name(status: str) -> str:
    return L.t(f"status_{status}")


def _status_scale() -> alt.Scale:
    """Every status of the palette in its fixed order, whatever the chart shows: a status keeps its colour."""
    return alt.Scale(domain=[status_name(s) for s in palette.STATUSES],
                     range=[palette.STATUS_COLOURS[s] for s in palette.STATUSES])


def _status_legend(shown: pd.Series) -> alt.Legend:
    """The three verdicts always, and the other statuses where the chart shows them (in the palette's order)."""
    present = set(shown.dropna())
    values = [status_name(s) for s in palette.STATUSES if s in palette.CORE_STATUSES or status_name(s) in present]
    return alt.Legend(orient="top", values=values)


def _status_colour(shown: pd.Series, channel: type = alt.Color):
    return channel("status_label:N", title=L.column("status"), scale=_status_scale(), legend=_status_legend(shown))


def card_scale() -> alt.Scale:
    """Cards (绿牌 / 黄牌 / 红牌) in their fixed order: plot a column of `L.t(f"card_{card}")` with it."""
    return alt.Scale(domain=[L.t(f"card_{c}") for c in palette.CARDS],
                     range=[palette.CARD_COLOURS[c] for c in palette.CARDS])


def card_colour(field: str = "card_label") -> alt.Color:
    return alt.Color(f"{field}:N", title=L.t("legend_card"), scale=card_scale(), legend=alt.Legend(orient="top"))


def _series_names() -> dict[str, str]:
    return {s: L.t(f"series_{s}") for s in palette.SERIES}


def _series_colour() -> alt.Color:
    names = _series_names()
    return alt.Color("series_label:N", title=L.t("legend_series"), legend=alt.Legend(orient="top"),
                     scale=alt.Scale(domain=list(names.values()),
                                     range=[palette.SERIES_COLOURS[s] for s in names]))


def _with_status_label(frame: pd.DataFrame, status_column: str = "status") -> pd.DataFrame:
    """A status in the page's language; a row without one was not judged: insufficient data."""
    return frame.assign(status_label=frame[status_column].fillna("insufficient_data").map(status_name))


def _finish(chart: alt.Chart, title: str) -> alt.Chart:
    return chart.properties(title=alt.TitleParams(title, anchor="start", font=FONT)).configure_axis(
        labelFont=FONT, titleFont=FONT, labelLimit=220
    ).configure_legend(labelFont=FONT, titleFont=FONT).configure_text(font=FONT)


def status_bars(frame: pd.DataFrame, category: str, value: str, title: str, value_title: str,
                value_format: str = F.RATIO_FORMAT, height_per_bar: int = 26) -> alt.Chart:
    """Horizontal bars of one value per category, largest first, coloured by status."""
    data = _with_status_label(frame[[category, value, "status"]])
    # a ratio's tooltip is the tables' figure (formatting.shown_ratio), never rounded across a threshold
    shown = (alt.Tooltip("value_text:N", title=value_title) if value in F.RATIO_COLUMNS
             else alt.Tooltip(f"{value}:Q", title=value_title, format=value_format))
    if value in F.RATIO_COLUMNS:
        data = data.assign(value_text=data[value].map(F.ratio_text))
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=value_format)),
        y=alt.Y(f"{category}:N", title=None, sort="-x"),
        color=_status_colour(data["status_label"]),
        tooltip=[alt.Tooltip(f"{category}:N", title=L.column("major") if "major" in category else None),
                 shown, alt.Tooltip("status_label:N", title=L.column("status"))],
    ).properties(height=_bars_height(len(data), height_per_bar))
    return _finish(chart, title)


def status_counts(frame: pd.DataFrame, category: str, title: str) -> alt.Chart:
    """Stacked bars: how many majors are in each status per place (each `<status>_majors` column the frame
    has), in the palette's order."""
    statuses = [s for s in palette.STATUSES if f"{s}_majors" in frame.columns]
    counts = frame[[category, *(f"{s}_majors" for s in statuses)]].melt(
        id_vars=[category], value_vars=[f"{s}_majors" for s in statuses], var_name="status", value_name="majors")
    counts["status"] = counts["status"].str.removesuffix("_majors")
    counts = _with_status_label(counts)
    counts["order"] = counts["status"].map({s: i for i, s in enumerate(palette.STATUSES)})
    chart = alt.Chart(counts).mark_bar().encode(
        x=alt.X("majors:Q", title=L.t("ax_majors"), stack="zero",
                axis=alt.Axis(tickMinStep=1, tickCount=8, format=F.WHOLE_FORMAT)),
        y=alt.Y(f"{category}:N", title=None, sort=alt.EncodingSortField("majors", op="sum", order="descending")),
        color=_status_colour(counts.loc[counts["majors"] > 0, "status_label"]),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip("status_label:N", title=L.column("status")),
                 alt.Tooltip("majors:Q", title=L.t("ax_majors"), format=F.WHOLE_FORMAT)],
    ).properties(height=_bars_height(frame[category].nunique(), 30))
    return _finish(chart, title)


def city_map(frame: pd.DataFrame, name: str, title: str) -> alt.Chart:
    """Every city placed by its real coordinates (Mercator, no map tiles); where the major has supply or
    demand, a disc coloured by its status there and sized by its demand."""
    data = frame[[name, "longitude", "latitude", "supply", "demand", "alignment", "status"]]
    judged = _with_status_label(data[data["status"].notna()])
    judged = judged.assign(alignment_text=[
        F.undefined_text(a, s) for a, s in zip(judged["alignment"], judged.get(
            "status_reason", judged["status"]), strict=True)])
    every_city = alt.Chart(data).mark_point(color=palette.BACKGROUND_COLOUR, size=30).encode(
        longitude="longitude:Q", latitude="latitude:Q")
    labels = alt.Chart(data).mark_text(dy=-14, fontSize=10).encode(
        longitude="longitude:Q", latitude="latitude:Q", text=f"{name}:N")
    discs = alt.Chart(judged).mark_circle(opacity=0.85, stroke="white", strokeWidth=1).encode(
        longitude="longitude:Q", latitude="latitude:Q",
        color=_status_colour(judged["status_label"]),
        size=alt.Size("demand:Q", title=L.column("demand"), scale=alt.Scale(range=[60, 1400]),
                      legend=alt.Legend(orient="top", format=F.FRACTIONAL_FORMAT)),
        tooltip=[alt.Tooltip(f"{name}:N", title=L.column("city")),
                 alt.Tooltip("supply:Q", title=L.column("supply"), format=F.WHOLE_FORMAT),
                 alt.Tooltip("demand:Q", title=L.column("demand"), format=F.FRACTIONAL_FORMAT),
                 alt.Tooltip("alignment_text:N", title=L.column("alignment")),
                 alt.Tooltip("status_label:N", title=L.column("status"))],
    )
    chart = alt.layer(every_city, discs, labels).project(type="mercator").properties(height=560)
    return _finish(chart, title)


def supply_demand_bars(frame: pd.DataFrame, category: str, title: str, limit: int = 25) -> alt.Chart:
    """Supply and demand side by side per category, largest demand first."""
    top = frame.nlargest(limit, "demand") if len(frame) > limit else frame
    long = top.melt(id_vars=[category], value_vars=["supply", "demand"], var_name="series", value_name="people")
    series_labels = _series_names()
    long["series_label"] = long["series"].map(series_labels)
    long["people_text"] = [F.people_text(v, s) for v, s in zip(long["people"], long["series"], strict=True)]
    order = top.sort_values("demand", ascending=False)[category].tolist()
    chart = alt.Chart(long).mark_bar().encode(
        x=alt.X("people:Q", title=L.t("ax_people"), axis=alt.Axis(format=F.WHOLE_FORMAT)),
        y=alt.Y(f"{category}:N", title=None, sort=order),
        yOffset=alt.YOffset("series_label:N", sort=list(series_labels.values())),
        color=_series_colour(),
        tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip("series_label:N", title=L.t("legend_series")),
                 alt.Tooltip("people_text:N", title=L.t("ax_people"))],
    ).properties(height=_bars_height(len(top), 36))
    return _finish(chart, title)


def trend(frame: pd.DataFrame, title: str) -> alt.Chart:
    """Supply and demand over the years (lines, demand dashed), each year's point coloured by its status."""
    series_labels = _series_names()
    long = frame[["year", "status", "supply", "demand"]].melt(id_vars=["year", "status"], value_vars=["supply", "demand"], var_name="series",
                      value_name="people")
    long["series_label"] = long["series"].map(series_labels)
    long["people_text"] = [F.people_text(v, s) for v, s in zip(long["people"], long["series"], strict=True)]
    long = _with_status_label(long)
    base = alt.Chart().encode(
        x=alt.X("year:O", title=L.t("year")),
        y=alt.Y("people:Q", title=L.t("ax_people"), axis=alt.Axis(format=F.WHOLE_FORMAT)),
    )
    lines = base.mark_line().encode(
        color=_series_colour(),
        # a second cue besides the hue, for readers who do not tell purple from brown
        strokeDash=alt.StrokeDash("series_label:N", legend=None,
                                  scale=alt.Scale(domain=list(series_labels.values()), range=[[1, 0], [6, 3]])),
        detail="series_label:N",
    )
    points = base.mark_point(filled=True, size=90).encode(
        fill=_status_colour(long["status_label"], alt.Fill),
        stroke=alt.value("white"),
        tooltip=[alt.Tooltip("year:O", title=L.t("year")), alt.Tooltip("series_label:N", title=L.t("legend_series")),
                 alt.Tooltip("people_text:N", title=L.t("ax_people")),
                 alt.Tooltip("status_label:N", title=L.column("status"))],
    )
    # the data on the layer, not on each line and point chart: Altair names layers that carry their own data
    # by a hash of the data's text form, which costs more than drawing the chart
    chart = alt.layer(lines, points, data=long).resolve_scale(color="independent").properties(height=380)
    return _finish(chart, title)


def value_bars(frame: pd.DataFrame, category: str, value: str, title: str, value_title: str,
               value_format: str = ".0%", colour: str | None = None) -> alt.Chart:
    """Plain horizontal bars of one value per category (no status), largest first; supply and demand in their
    series colours, any other measure in the palette's measure colour, named by the legend."""
    colour = colour or palette.SERIES_COLOURS.get(value, palette.MEASURE_COLOUR)
    data = frame[[category, value]].assign(measure=value_title)
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=value_format)),
        y=alt.Y(f"{category}:N", title=None, sort="-x"),
        color=alt.Color("measure:N", title=L.t("legend_measure"), legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=[value_title], range=[colour])),
        tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip(f"{value}:Q", title=value_title, format=value_format)],
    ).properties(height=_bars_height(len(frame), 24))
    return _finish(chart, title)


def score_bars(frame: pd.DataFrame, category: str, title: str) -> alt.Chart:
    """The scorecard's weighted score per major (0–100), best first, coloured by the major's card (no card
    grey), the card and the indicators it lacks in the tooltip."""
    no_card = L.t("card_none")
    data = frame[[category, "score", "card", "missing_text"]].assign(
        card_label=frame["card"].map(lambda c: L.t(f"card_{c}") if c in palette.CARDS else no_card))
    scale = alt.Scale(domain=[*(L.t(f"card_{c}") for c in palette.CARDS), no_card],
                      range=[*(palette.CARD_COLOURS[c] for c in palette.CARDS), palette.STATUS_COLOURS["balanced"]])
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("score:Q", title=L.t("ax_score"), scale=alt.Scale(domain=[0, 100])),
        y=alt.Y(f"{category}:N", title=None, sort="-x"),
        color=alt.Color("card_label:N", title=L.t("legend_card"), scale=scale, legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip(f"{category}:N", title=L.column("major")),
                 alt.Tooltip("score:Q", title=L.t("ax_score"), format=".1f"),
                 alt.Tooltip("card_label:N", title=L.t("legend_card")),
                 alt.Tooltip("missing_text:N", title=L.column("missing"))],
    ).properties(height=_bars_height(len(data), 22))
    return _finish(chart, title)


def outlook(frame: pd.DataFrame, title: str) -> alt.Chart:
    """A major's alignment over the years: the actual history solid, the projection dashed and labelled 预测
    (forecast), one line per scenario (as it is; with the what-if), each point coloured by its status. `frame`:
    year, alignment, status, scenario (labels), is_projection; the projected lines start at the last actual
    year so they continue the history."""
    forecast = L.t("forecast")
    data = _with_status_label(frame).assign(
        kind=frame["is_projection"].map({True: forecast, False: L.t("actual")}),
        alignment_text=frame["alignment"].map(F.ratio_text))
    base = alt.Chart().encode(
        x=alt.X("year:O", title=L.t("year")),
        y=alt.Y("alignment:Q", title=L.t("ax_alignment"), axis=alt.Axis(format=F.RATIO_FORMAT)),
    )
    lines = base.mark_line().encode(
        color=alt.Color("scenario:N", title=L.t("legend_scenario"), legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=list(dict.fromkeys(data["scenario"])),
                                        range=[palette.SERIES_COLOURS["supply"], palette.MEASURE_COLOUR])),
        strokeDash=alt.StrokeDash("kind:N", title=L.t("legend_kind"),
                                  scale=alt.Scale(domain=[L.t("actual"), forecast], range=[[1, 0], [6, 4]]),
                                  legend=alt.Legend(orient="top")),
        detail="segment:N",
    )
    points = base.mark_point(filled=True, size=80).transform_filter("!datum.anchor").encode(
        fill=_status_colour(data["status_label"], alt.Fill),
        stroke=alt.value("white"),
        tooltip=[alt.Tooltip("year:O", title=L.t("year")), alt.Tooltip("scenario:N", title=L.t("legend_scenario")),
                 alt.Tooltip("kind:N", title=L.t("legend_kind")),
                 alt.Tooltip("alignment_text:N", title=L.t("ax_alignment")),
                 alt.Tooltip("status_label:N", title=L.column("status"))],
    )
    first_forecast = data[data["is_projection"] & ~data["anchor"]].groupby("scenario", as_index=False)["year"].min()
    labels = alt.Chart(first_forecast.head(1).assign(text=forecast)).mark_text(align="left", dy=-12, fontSize=13).encode(
        x="year:O", text="text:N")
    chart = alt.layer(lines, points, data=data).resolve_scale(color="independent") + labels
    return _finish(chart.properties(height=360), title)
