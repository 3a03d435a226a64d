"""Majors (/majors) · university planners: each major's supply, demand, alignment and status over the years,
the industries that demand it, and which majors to expand, hold or shrink, and why."""

import streamlit as st

from dashboard import auth, charts, queries, skills_queries, ui
from dashboard import labels as L
from warehouse import settings

access = auth.access()  # the viewer's scope: every query is given it
scope = ui.scope()
st.title(L.t("majors_title", place=L.plain(scope.place), year=scope.year))
st.caption(L.t("majors_intro"))


def reason(row, place: str, prefix: str = "") -> str:
    return L.gap_reason(row[f"{prefix}status_reason"], place, row[f"{prefix}supply"], row[f"{prefix}demand"],
                        row[f"{prefix}supply_share"], row[f"{prefix}demand_share"], row[f"{prefix}alignment"],
                        settings.SHORTAGE_ALIGNMENT, settings.SURPLUS_ALIGNMENT)


# --- a university, or the whole geography
universities = queries.universities(access, scope.level, scope.geography)
university_names = {"": L.t("whole_geography"),
                    **dict(zip(universities["university_code"], universities[L.name_column("university")]))}
options = list(university_names)
if st.session_state.get("filter_university") not in options:
    # a university's planner comes for its own majors, not the whole area's: its own university first
    st.session_state["filter_university"] = access.university_code if access.university_code in options else ""
st.session_state["w_university"] = st.session_state["filter_university"]
st.selectbox(L.t("university"), options, key="w_university",
             format_func=university_names.get,
             on_change=lambda: st.session_state.update(filter_university=st.session_state["w_university"]))
university = st.session_state["filter_university"] or None
name = L.name_column("major")

with st.spinner(L.t("loading")):
    if university:
        row = universities.set_index("university_code").loc[university]
        city = scope.place_of("city", row["city_name"])
        majors = queries.university_majors(access, university, scope.year, scope.study_level)
        majors = majors.assign(
            advice=majors["city_status"].map(L.advice),
            reason=[L.gap_reason(r.city_status_reason, city, r.city_supply, r.city_demand, r.city_supply_share,
                                 r.city_demand_share, r.city_alignment, settings.SHORTAGE_ALIGNMENT,
                                 settings.SURPLUS_ALIGNMENT) for r in majors.itertuples()],
        )
        st.subheader(L.t("university_market"))
        # the verdict, the advice and why first (the reason wrapped): what a planner reads without scrolling
        ui.table(majors, [("major_code", "major_code"), ("major", name), ("city_status", "city_status"),
                          ("advice", "advice"), ("reason", "reason"), ("graduates", "graduates"),
                          ("city_alignment", "city_alignment"), ("city_supply", "city_supply"),
                          ("city_demand", "city_demand"), ("province_status", "province_status"),
                          ("coverage", "coverage")], key="university_majors")
        gaps = queries.major_gap(access, "city", row["city_name"], scope.year, scope.study_level)
        market_level, market, market_place = "city", row["city_name"], city
    else:
        gaps = queries.major_gap(access, scope.level, scope.geography, scope.year, scope.study_level)
        market_level, market, market_place = scope.level, scope.geography, scope.place

if market_level == "city" and len(gaps):
    # a city shows its province's status: the reason quotes the province's figures (imports: the city's own)
    province = gaps["market"].iloc[0]
    judged = queries.major_gap(access, "province", province, scope.year, scope.study_level).set_index("major_code")
    province_place = scope.place_of("province", province)
    reasons = [reason(r, market_place) if r["status"] == "imports" or r["major_code"] not in judged.index
               else reason(judged.loc[r["major_code"]], province_place) for _, r in gaps.iterrows()]
else:
    reasons = [reason(r, market_place) for _, r in gaps.iterrows()]
gaps = gaps.assign(advice=gaps["status"].map(L.advice), reason=reasons,
                   card_statuses=list(zip(gaps["survey_years"], gaps["statuses"], strict=True)))
st.subheader(f"{L.t('page_majors')} · {L.plain(market_place)}")
ui.chart(charts.status_bars, gaps.dropna(subset=["alignment"]), name, "alignment",
         f"{L.t('alignment_chart')} · {market_place} · {scope.year}", L.t("ax_alignment"))
# the verdict, the advice and why first (the reason wrapped): what a planner reads without scrolling
ui.table(gaps, [("major_code", "major_code"), ("major", name), ("status", "status"), ("advice", "advice"),
                ("reason", "reason"), ("alignment", "alignment"), ("supply", "supply"), ("demand", "demand"),
                ("supply_share", "supply_share"), ("demand_share", "demand_share"), ("card", "card"),
                ("card_statuses", "card_statuses"), ("is_projection", "is_projection")], key="major_gap")

# --- one major in detail: its trend and the industries that demand it
st.subheader(L.t("major_detail"))
major_names = dict(zip(gaps["major_code"], gaps[name]))
if major_names:
    # by default the first major (most short first) that the chosen university teaches: one it does not teach
    # has nothing to say about its courses. A new university choice brings its own default.
    taught = [code for code in major_names if not university or code in set(majors["major_code"])]
    if (st.session_state.get("majors_major") not in major_names
            or st.session_state.get("majors_major_for") != university):
        st.session_state["majors_major"] = taught[0] if taught else next(iter(major_names))
    st.session_state["majors_major_for"] = university
    major = st.selectbox(L.t("major"), list(major_names), key="majors_major",
                         format_func=lambda code: f"{major_names[code]} ({code})")
    picked = gaps.set_index("major_code").loc[major]
    st.markdown(L.t("major_verdict", major=L.plain(major_names[major]), status=L.status(picked["status"]),
                    advice=L.advice(picked["status"])))
    st.markdown(L.plain(picked["reason"]))  # it quotes the place's name
    if isinstance(picked["card"], str):
        st.markdown(f"**{L.card(picked['card'])}** · {L.card_statuses(picked['card_statuses'])}")
    left, right = st.columns(2)
    with left:
        trend = queries.major_trend(access, market_level, market, major, scope.study_level)
        ui.chart(charts.trend, trend, f"{L.t('trend')} · {major_names[major]}")
    with right:
        demanding = queries.industries_demanding_major(access, market_level, market, scope.year, major,
                                                      scope.study_level)
        demanding = demanding.assign(industry=demanding[L.name_column("industry")])
        ui.chart(charts.value_bars, demanding, "industry", "demand", L.t("industries_demanding"),
                 L.t("ax_people"), value_format=",.1f", colour=charts.DEMAND_COLOUR)
    ui.table(demanding, [("industry_code", "industry_code"), ("industry", "industry"),
                         ("demand", "demand")], key="industries_demanding")

    # --- what employers ask of this major (skills), and what the chosen university's core courses miss
    st.subheader(L.t("major_skills", major=L.plain(major_names[major])))
    asked = skills_queries.major_top_skills(access, major, market_level, market, scope.year,
                                             scope.study_level)
    skill_name = "skill_name_en" if L.is_en() else "skill_name"
    ui.table(asked, [("skill", skill_name), ("skill_share", "skill_share"), ("skill_share_change", "skill_share_change"),
                     ("skill_positions", "positions"), ("skill_demand", "skill_demand")], key="major_skills")
    st.caption(L.t("major_skills_note"))
    if university:
        st.subheader(L.t("course_gaps", university=L.plain(university_names[university]),
                         major=L.plain(major_names[major])))
        gaps_of_courses = skills_queries.skill_gap(access, university, major, scope.year)
        if len(gaps_of_courses) and not gaps_of_courses["courses_listed"].iloc[0]:
            st.info(L.t("courses_not_listed"))
        else:
            gaps_of_courses = gaps_of_courses.assign(
                taught=gaps_of_courses["covered"].map({True: L.t("yes"), False: L.t("no")}))
            ui.table(gaps_of_courses, [("skill", skill_name), ("skill_share", "skill_share"),
                                       ("taught", "taught"), ("courses", "covering_courses")], key="course_gaps")
            st.caption(L.t("course_gaps_note", share=f"{settings.SKILL_GAP_MIN_SHARE:.0%}"))
