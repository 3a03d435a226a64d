"""Every chart of the dashboard (Altair): titles and units on every axis, bars sorted by value, and one colour
per status on every page — shortage red, balanced grey, surplus blue — so a colour means the same thing
wherever a user meets it. Charts take frames whose text is already in the page's language.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard import labels as L

# Streamlit sizes every chart to its container: Altair's default theme would fix a 300 px view (Streamlit's
# st.altair_chart switches it off the same way). Charts carry their data inline; a long list of majors must
# draw, not fail Altair's 5,000-row guard.
alt.theme.enable("none")
alt.data_transformers.disable_max_rows()

STATUS_COLOURS = {"shortage": "#d1495b", "balanced": "#9a9a9a", "surplus": "#3a7bd5"}
SUPPLY_COLOUR, DEMAND_COLOUR = "#2a9d8f", "#e9a23b"
#: Streamlit fits the whole chart (title, legend, axes) into `height`: room for them besides the bars
CHROME_HEIGHT = 200


def _bars_height(rows: int, per_row: int) -> int:
    return CHROME_HEIGHT + per_row * max(rows, 3)
#: Chinese glyphs need a CJK font; browsers fall back to it from this list
FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif"


def _status_scale() -> alt.Scale:
    return alt.Scale(domain=[L.status(s) for s in L.STATUSES], range=list(STATUS_COLOURS.values()))


def _status_colour() -> alt.Color:
    return alt.Color("status_label:N", title=L.column("status"), scale=_status_scale(),
                     legend=alt.Legend(orient="top"))


def _with_status_label(frame: pd.DataFrame, status_column: str = "status") -> pd.DataFrame:
    return frame.assign(status_label=frame[status_column].map(L.status))


def _finish(chart: alt.Chart, title: str) -> alt.Chart:
    return chart.properties(title=alt.TitleParams(title, anchor="start", font=FONT)).configure_axis(
        labelFont=FONT, titleFont=FONT, labelLimit=220
    ).configure_legend(labelFont=FONT, titleFont=FONT).configure_text(font=FONT)


def status_bars(frame: pd.DataFrame, category: str, value: str, title: str, value_title: str,
                value_format: str = ",.2f", height_per_bar: int = 26) -> alt.Chart:
    """Horizontal bars of one value per category, largest first, coloured by status."""
    data = _with_status_label(frame[[category, value, "status"]])
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=value_format)),
        y=alt.Y(f"{category}:N", title=None, sort="-x"),
        color=_status_colour(),
        tooltip=[alt.Tooltip(f"{category}:N", title=L.column("major") if "major" in category else None),
                 alt.Tooltip(f"{value}:Q", title=value_title, format=value_format),
                 alt.Tooltip("status_label:N", title=L.column("status"))],
    ).properties(height=_bars_height(len(data), height_per_bar))
    return _finish(chart, title)


def status_counts(frame: pd.DataFrame, category: str, title: str) -> alt.Chart:
    """Stacked bars: how many majors are in shortage / balanced / surplus per place."""
    counts = frame[[category, "shortage_majors", "balanced_majors", "surplus_majors"]].melt(
        id_vars=[category], value_vars=["shortage_majors", "balanced_majors", "surplus_majors"],
                        var_name="status", value_name="majors")
    counts["status"] = counts["status"].str.removesuffix("_majors")
    counts = _with_status_label(counts)
    order = {L.status(s): i for i, s in enumerate(L.STATUSES)}
    counts["order"] = counts["status_label"].map(order)
    chart = alt.Chart(counts).mark_bar().encode(
        x=alt.X("majors:Q", title=L.t("ax_majors"), stack="zero", axis=alt.Axis(tickMinStep=1, tickCount=8)),
        y=alt.Y(f"{category}:N", title=None, sort=alt.EncodingSortField("majors", op="sum", order="descending")),
        color=_status_colour(),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip("status_label:N", title=L.column("status")),
                 alt.Tooltip("majors:Q", title=L.t("ax_majors"))],
    ).properties(height=_bars_height(frame[category].nunique(), 30))
    return _finish(chart, title)


def city_map(frame: pd.DataFrame, name: str, title: str) -> alt.Chart:
    """Every city placed by its real coordinates (Mercator, no map tiles); where the major has supply or
    demand, a disc coloured by its status there and sized by its demand."""
    data = frame[[name, "longitude", "latitude", "supply", "demand", "alignment", "status"]]
    judged = _with_status_label(data[data["status"].notna()])
    every_city = alt.Chart(data).mark_point(color="#bbbbbb", size=30).encode(
        longitude="longitude:Q", latitude="latitude:Q")
    labels = alt.Chart(data).mark_text(dy=-14, fontSize=10).encode(
        longitude="longitude:Q", latitude="latitude:Q", text=f"{name}:N")
    discs = alt.Chart(judged).mark_circle(opacity=0.85, stroke="white", strokeWidth=1).encode(
        longitude="longitude:Q", latitude="latitude:Q",
        color=_status_colour(),
        size=alt.Size("demand:Q", title=L.column("demand"), scale=alt.Scale(range=[60, 1400])),
        tooltip=[alt.Tooltip(f"{name}:N", title=L.column("city")),
                 alt.Tooltip("supply:Q", title=L.column("supply"), format=",.0f"),
                 alt.Tooltip("demand:Q", title=L.column("demand"), format=",.1f"),
                 alt.Tooltip("alignment:Q", title=L.column("alignment"), format=".2f"),
                 alt.Tooltip("status_label:N", title=L.column("status"))],
    )
    chart = alt.layer(every_city, discs, labels).project(type="mercator").properties(height=560)
    return _finish(chart, title)


def supply_demand_bars(frame: pd.DataFrame, category: str, title: str, limit: int = 25) -> alt.Chart:
    """Supply and demand side by side per category, largest demand first."""
    top = frame.nlargest(limit, "demand") if len(frame) > limit else frame
    long = top.melt(id_vars=[category], value_vars=["supply", "demand"], var_name="series", value_name="people")
    series_labels = {"supply": L.t("series_supply"), "demand": L.t("series_demand")}
    long["series_label"] = long["series"].map(series_labels)
    order = top.sort_values("demand", ascending=False)[category].tolist()
    chart = alt.Chart(long).mark_bar().encode(
        x=alt.X("people:Q", title=L.t("ax_people"), axis=alt.Axis(format=",.0f")),
        y=alt.Y(f"{category}:N", title=None, sort=order),
        yOffset=alt.YOffset("series_label:N", sort=list(series_labels.values())),
        color=alt.Color("series_label:N", title=None, legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=list(series_labels.values()), range=[SUPPLY_COLOUR, DEMAND_COLOUR])),
        tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip("series_label:N", title=None),
                 alt.Tooltip("people:Q", title=L.t("ax_people"), format=",.1f")],
    ).properties(height=_bars_height(len(top), 36))
    return _finish(chart, title)


def trend(frame: pd.DataFrame, title: str) -> alt.Chart:
    """Supply and demand over the years (lines), each year's point coloured by its status."""
    series_labels = {"supply": L.t("series_supply"), "demand": L.t("series_demand")}
    long = frame[["year", "status", "supply", "demand"]].melt(id_vars=["year", "status"], value_vars=["supply", "demand"], var_name="series",
                      value_name="people")
    long["series_label"] = long["series"].map(series_labels)
    long = _with_status_label(long)
    base = alt.Chart().encode(
        x=alt.X("year:O", title=L.t("year")),
        y=alt.Y("people:Q", title=L.t("ax_people"), axis=alt.Axis(format=",.0f")),
    )
    lines = base.mark_line().encode(
        color=alt.Color("series_label:N", title=None, legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=list(series_labels.values()), range=[SUPPLY_COLOUR, DEMAND_COLOUR])),
        detail="series_label:N",
    )
    points = base.mark_point(filled=True, size=90).encode(
        fill=alt.Fill("status_label:N", title=L.column("status"), scale=_status_scale(),
                      legend=alt.Legend(orient="top")),
        stroke=alt.value("white"),
        tooltip=[alt.Tooltip("year:O", title=L.t("year")), alt.Tooltip("series_label:N", title=None),
                 alt.Tooltip("people:Q", title=L.t("ax_people"), format=",.1f"),
                 alt.Tooltip("status_label:N", title=L.column("status"))],
    )
    # the data on the layer, not on each line and point chart: Altair names layers that carry their own data
    # by a hash of the data's text form, which costs more than drawing the chart
    chart = alt.layer(lines, points, data=long).resolve_scale(color="independent").properties(height=380)
    return _finish(chart, title)


def value_bars(frame: pd.DataFrame, category: str, value: str, title: str, value_title: str,
               value_format: str = ".0%", colour: str = SUPPLY_COLOUR) -> alt.Chart:
    """Plain horizontal bars of one value per category (no status), largest first."""
    chart = alt.Chart(frame[[category, value]]).mark_bar(color=colour).encode(
        x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=value_format)),
        y=alt.Y(f"{category}:N", title=None, sort="-x"),
        tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip(f"{value}:Q", title=value_title, format=value_format)],
    ).properties(height=_bars_height(len(frame), 24))
    return _finish(chart, title)
