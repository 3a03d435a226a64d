"""Overview (/) · education departments: where does the region stand this year?"""

import streamlit as st

from dashboard import auth, charts, queries, ui
from dashboard import labels as L
from dashboard import settings as dashboard_settings
from warehouse import settings

access = auth.access()  # the viewer's scope: every query is given it
scope = ui.scope()
st.title(L.t("overview_title", place=L.plain(scope.place), year=scope.year))
st.caption(L.t("overview_intro"))

with st.spinner(L.t("loading")):
    headline = queries.headline(access, scope.level, scope.geography, scope.study_level).set_index("year")
    gaps = queries.major_gap(access, scope.level, scope.geography, scope.year, scope.study_level)

this = headline.loc[scope.year] if scope.year in headline.index else None
last = headline.loc[scope.year - 1] if scope.year - 1 in headline.index else None

# --- headline figures with change against last year
METRICS = (  # (label key, column, format, is a ratio)
    ("m_graduates", "graduates", L.number, False),
    ("m_demand", "demand", L.number, False),
    ("m_shortage_majors", "shortage_majors", L.number, False),
    ("m_coverage", "coverage", L.percent, True),
    ("m_relevance", "relevance", L.percent, True),
    ("m_conversion", "conversion", L.percent, True),
    ("m_retention", "retention", L.percent, True),
)
if this is None:
    st.info(L.t("no_rows"))
    st.stop()
columns = st.columns(len(METRICS))
for column, (label, field, fmt, is_ratio) in zip(columns, METRICS):
    value = this[field]
    delta = None
    if last is not None and value == value and last[field] == last[field]:  # NaN-safe: x == x
        change = value - last[field]
        delta = L.t("points_change", v=100 * change) if is_ratio else f"{change:+,.0f}"
    column.metric(L.t(label), fmt(value), delta=delta if last is not None else L.t("no_last_year"),
                  delta_color="off" if last is None else ("inverse" if field == "shortage_majors" else "normal"))
if bool(this["is_projection"]):
    st.caption(L.t("projection_note"))
# graduate-level (研究生) demand is shown once, on its own (docs/metrics.md "Levels"): it is the 研究生 row's demand,
# never part of another level's figures
if scope.study_level == dashboard_settings.GRADUATE_LEVEL:
    st.caption(L.t("graduate_level_note"))
else:
    graduate = queries.headline(access, scope.level, scope.geography, dashboard_settings.GRADUATE_LEVEL).set_index("year")
    if scope.year in graduate.index:
        st.caption(L.t("graduate_demand_apart", n=L.number(graduate.loc[scope.year, "demand"]),
                       level=L.study_level(scope.study_level)))
if scope.level == "province":  # the printable report is of a province (dashboard/report.py)
    ui.report_download("province", scope.geography, scope.year, scope.study_level, access, "overview")

# --- the top shortage and surplus majors
name = L.name_column("major")
left, right = st.columns(2)
shortage = queries.top_majors(access, scope.level, scope.geography, scope.year, "shortage", study_level=scope.study_level)
surplus = queries.top_majors(access, scope.level, scope.geography, scope.year, "surplus", study_level=scope.study_level)
# the alignment that ranks them next to the name: half a 1440 px window shows these four without scrolling
SHOWN = [("major", name), ("alignment", "alignment"), ("supply", "supply"), ("demand", "demand")]
with left:
    st.subheader(L.t("top_shortage"))
    ui.table(shortage, SHOWN, key="top_shortage")
with right:
    st.subheader(L.t("top_surplus"))
    ui.table(surplus, SHOWN, key="top_surplus")

# --- cards: the majors with a green, yellow or red card, with the three statuses behind each
st.subheader(L.t("cards_title"))
st.caption(L.t("cards_intro"))
carded = gaps[gaps["card"].notna()].copy()
carded["card_order"] = carded["card"].map({c: i for i, c in enumerate(L.CARDS)})
carded = carded.sort_values(["card_order", "major_code"])
carded["card_statuses"] = list(zip(carded["survey_years"], carded["statuses"], strict=True))
ui.table(carded, [("major_code", "major_code"), ("major", name), ("card", "card"),
                  ("card_statuses", "card_statuses")], key="major_cards")

# --- gap by province and city: counts per place, and one major's status in every city by coordinates
st.subheader(L.t("gap_by_place"))
counts = queries.status_counts_by_place(access, scope.level, scope.geography, scope.year, scope.study_level)
counts = counts.assign(place=counts["geography_en"] if L.is_en() else counts["geography"])
if counts.empty:  # a province's cities, for the public (which sees provinces only)
    st.caption(L.t("no_rows"))
else:
    ui.chart(charts.status_counts, counts, "place", f"{L.t('ax_majors')} · {scope.place} · {scope.year}")

major_names = dict(zip(gaps["major_code"], gaps[name]))  # most short first
if major_names and access.sees_cities:  # the public sees provinces, not cities
    st.subheader(L.t("city_map"))
    # by default the major most short of graduates among those that have some (an unserved one has few cities)
    judged = gaps.loc[gaps["alignment"].notna(), "major_code"]
    default = judged.iloc[0] if len(judged) else next(iter(major_names))
    if st.session_state.get("overview_major") not in major_names:
        st.session_state["overview_major"] = default
    major = st.selectbox(L.t("city_map_major"), list(major_names), key="overview_major",
                         format_func=lambda code: f"{major_names[code]} ({code})")
    cities = queries.city_gap_for_major(access, scope.year, major, scope.study_level)
    cities = cities.assign(city=cities[L.name_column("city")])
    ui.chart(charts.city_map, cities, "city", f"{major_names[major]} · {L.t('city_map')}")

# --- industry gap by pillar industry
st.subheader(L.t("pillar_gap"))
pillars = queries.pillar_gap(access, scope.level, scope.geography, scope.year, scope.study_level)
pillars = pillars.assign(pillar_label=pillars["pillar"].map(L.pillar))
ui.chart(charts.status_bars, pillars, "pillar_label", "alignment",
         f"{L.t('alignment_chart')} · {scope.place} · {scope.year}", L.t("ax_alignment"))
ui.table(pillars, [("pillar", "pillar_label"), ("supply", "supply"), ("demand", "demand"),
                   ("supply_share", "supply_share"), ("demand_share", "demand_share"),
                   ("alignment", "alignment"), ("status", "status")], key="pillar_gap")
st.caption(f"{L.column('alignment')}: ≥ {settings.SHORTAGE_ALIGNMENT} → {L.status('shortage')}, "
           f"≤ {settings.SURPLUS_ALIGNMENT} → {L.status('surplus')}")
