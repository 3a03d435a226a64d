"""Pairings (/pairings) · both sides: suggested school–enterprise pairs with the reason, filterable by
province (the sidebar), industry and major."""

import streamlit as st

from dashboard import labels as L
from dashboard import queries, ui

scope = ui.scope()
st.title(L.t("pairings_title", place=scope.place, year=scope.year))
st.caption(L.t("pairings_intro"))

industries = queries.industries()
majors = queries.majors()
industry_names = dict(zip(industries["industry_code"], industries[L.name_column("industry")]))
major_names = dict(zip(majors["major_code"], majors[L.name_column("major")]))
left, right = st.columns(2)
with left:
    industry = ui.persisted_choice(L.t("industry"), ["", *industry_names],
                                   {"": L.t("all_industries"), **industry_names}, "pairings_industry")
with right:
    major = ui.persisted_choice(L.t("major"), ["", *major_names], {"": L.t("all_majors"), **major_names},
                                "pairings_major")

with st.spinner(L.t("loading")):
    pairs = queries.pairing_suggestions(scope.level, scope.geography, scope.year, industry or None, major or None)
matching = int(pairs["matching"].iloc[0]) if len(pairs) else 0
enterprises = int(pairs["matching_enterprises"].iloc[0]) if len(pairs) else 0
st.markdown(L.t("count_suggestions", n=f"{matching:,}", e=f"{enterprises:,}"))
if matching > len(pairs):
    st.caption(L.t("showing_first", shown=f"{len(pairs):,}"))
en = L.is_en()
pairs = pairs.assign(reason_text=L.pairing_reasons(
    pairs["same_city"], pairs["university_city_en" if en else "university_city"], pairs["university_province"],
    pairs["major_name_en" if en else "major_name"], pairs["demand"], pairs["graduates"], pairs["coverage"],
    pairs["province_surplus"]))
# enterprises are named as registered (the surveys carry no English names); the credit code identifies them
ui.table(pairs, [("enterprise", "enterprise_name"), ("enterprise_id", "enterprise_id"),
                 ("industry", L.name_column("industry")),
                 ("city", L.name_column("city")), ("major", L.name_column("major")),
                 ("university", L.name_column("university")), ("rank", "rank"), ("reason", "reason_text"),
                 ("demand", "demand"), ("graduates", "graduates"), ("coverage", "coverage"),
                 ("province_surplus", "province_surplus")], key="pairing_suggestions", height=560)
