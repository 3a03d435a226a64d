"""Industries (/industries) · education departments and enterprises: supply vs demand per pillar industry
(GB/T 4754 division), which majors feed each, and the trend."""

import streamlit as st

from dashboard import auth, charts, queries, skills_queries, ui
from dashboard import labels as L
from warehouse import settings

access = auth.access()  # the viewer's scope: every query is given it
scope = ui.scope()
st.title(L.t("industries_title", place=L.plain(scope.place), year=scope.year))
st.caption(L.t("industries_intro"))

with st.spinner(L.t("loading")):
    gaps = queries.industry_gap(access, scope.level, scope.geography, scope.year, scope.study_level)
    pillars = queries.pillar_gap(access, scope.level, scope.geography, scope.year, scope.study_level)
name = L.name_column("industry")
gaps = gaps.assign(industry=gaps[name], pillar_label=gaps["pillar"].map(L.pillar))
pillars = pillars.assign(pillar_label=pillars["pillar"].map(L.pillar))

st.subheader(L.t("pillar_gap"))
left, right = st.columns(2)
with left:
    ui.chart(charts.supply_demand_bars, pillars, "pillar_label", f"{L.t('supply_demand_chart')} · {L.t('pillar')}")
with right:
    ui.chart(charts.status_bars, pillars.dropna(subset=["alignment"]), "pillar_label", "alignment",
             L.t("alignment_chart"), L.t("ax_alignment"))

st.subheader(L.t("industry"))
ui.chart(charts.supply_demand_bars, gaps, "industry", L.t("supply_demand_chart"))
# the verdict (status, alignment) next to the name, where a 1440 px window shows it without scrolling
ui.table(gaps, [("industry_code", "industry_code"), ("industry", "industry"), ("status", "status"),
                ("alignment", "alignment"), ("pillar", "pillar_label"), ("supply", "supply"), ("demand", "demand"),
                ("gap", "gap"), ("supply_share", "supply_share"), ("demand_share", "demand_share"),
                ("is_projection", "is_projection")], key="industry_gap",
         helps={"supply": L.t("help_industry_supply"), "demand": L.t("help_industry_demand"),
                "gap": L.t("help_industry_gap"),
                "alignment": L.t("help_industry_alignment", hi=settings.SHORTAGE_ALIGNMENT,
                                 lo=settings.SURPLUS_ALIGNMENT),
                "status": L.t("help_industry_status", min_demand=settings.MIN_DEMAND,
                              min_supply=settings.MIN_SUPPLY)})

industry_names = dict(zip(gaps["industry_code"], gaps["industry"]))
if industry_names:
    if st.session_state.get("industries_industry") not in industry_names:
        st.session_state["industries_industry"] = next(iter(industry_names))
    industry = st.selectbox(L.t("industry"), list(industry_names), key="industries_industry",
                            format_func=lambda code: f"{industry_names[code]} ({code})")
    left, right = st.columns(2)
    with left:
        trend = queries.industry_trend(access, scope.level, scope.geography, industry, scope.study_level)
        ui.chart(charts.trend, trend, f"{L.t('trend')} · {industry_names[industry]}")
    with right:
        feeding = queries.majors_feeding_industry(access, scope.level, scope.geography, scope.year, industry,
                                                  scope.study_level)
        feeding = feeding.assign(major=feeding[L.name_column("major")])
        ui.chart(charts.value_bars, feeding[feeding["supply"] > 0], "major", "supply", L.t("feeding_majors"),
                 L.t("ax_people"), value_format=",.0f")
    ui.table(feeding, [("major_code", "major_code"), ("major", "major"), ("supply", "supply"),
                       ("demand", "demand")], key="feeding_majors")

    # --- the skills this division's enterprises ask for most, and their pay there
    st.subheader(L.t("division_skills", industry=L.plain(industry_names[industry])))
    division_skills = skills_queries.division_top_skills(access, industry, scope.level, scope.geography, scope.year)
    ui.table(division_skills, [("skill", "skill_name_en" if L.is_en() else "skill_name"),
                               ("skill_positions", "positions"), ("skill_demand", "headcount"),
                               ("salary_p25", "salary_p25"), ("salary_median", "salary_median"),
                               ("salary_p75", "salary_p75")], key="division_skills")
    st.caption(L.t("salary_note"))
