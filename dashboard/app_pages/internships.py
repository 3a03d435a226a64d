"""Internships (/internships) · enterprises and universities: bases, capacity and utilisation, placements by
major, coverage, relevance (对口率) and conversion (留用率); majors with high demand but low coverage."""

import streamlit as st

from dashboard import auth, charts, queries, settings, ui
from dashboard import labels as L
from dashboard.portal_state import ENTERPRISE, UNIVERSITY
from warehouse import settings as warehouse_settings

viewer = auth.viewer()
scope = ui.scope()
st.title(L.t("internships_title", place=scope.place, year=scope.year))
st.caption(L.t("internships_intro"))
major = L.name_column("major")


views = {"university": L.t("by_university"), "enterprise": L.t("by_enterprise")}
# A university or an enterprise sees the bases and placements of its own scope only, wherever the filters
# point; the tables after them are the place's aggregates, open to every signed-in role.
own_view = {UNIVERSITY: "university", ENTERPRISE: "enterprise"}.get(viewer.role)
if own_view:
    views = {own_view: views[own_view]}
view = ui.persisted_choice(L.t("view_by"), list(views), views, "internships_view")
listed_in = ("region", warehouse_settings.REGION_GEOGRAPHY) if own_view else (scope.level, scope.geography)

with st.spinner(L.t("loading")):
    if view == "university":
        universities = queries.universities(*listed_in)
        names = dict(zip(universities["university_code"], universities[L.name_column("university")]))
        if own_view:
            names = {viewer.scope: names.get(viewer.scope, viewer.scope)}
        chosen = ui.persisted_choice(L.t("university"), list(names), names, "internships_university")
        selector = {"university_code": chosen}
    else:
        enterprises = queries.enterprises(*listed_in)
        names = dict(zip(enterprises["enterprise_id"], enterprises["enterprise_name"]))
        if own_view:
            names = {viewer.scope: names.get(viewer.scope, viewer.scope)}
        chosen = ui.persisted_choice(L.t("enterprise"), list(names), names, "internships_enterprise")
        selector = {"enterprise_id": chosen}

    if chosen:
        st.subheader(L.t("bases"))
        bases = queries.bases(scope.year, **selector)
        bases = bases.assign(university=bases[L.name_column("university")], city=bases[L.name_column("city")])
        if not bases.empty:
            ui.chart(charts.value_bars, bases.dropna(subset=["utilisation"]), "base_id", "utilisation",
                     L.t("bases"), L.t("ax_utilisation"))
        ui.table(bases, [("base_id", "base_id"), ("base_name", "base_name"), ("enterprise", "enterprise_name"),
                         ("university", "university"), ("city", "city"), ("capacity", "capacity"),
                         ("placement_rows", "placements"), ("utilisation", "utilisation")], key="bases")

        st.subheader(L.t("placements_by_major"))
        placed = queries.placements_by_major(scope.year, **selector)
        ui.table(placed, [("major_code", "major_code"), ("major", major), ("placement_rows", "placement_rows"), ("relevance", "relevance"),
                          ("conversion", "conversion")], key="placements_by_major")
        if view == "university":
            st.subheader(L.t("coverage_by_major"))
            coverage = queries.university_coverage(chosen, scope.year)
            ui.chart(charts.value_bars, coverage.dropna(subset=["coverage"]), major, "coverage",
                     L.t("coverage_by_major"), L.t("ax_coverage"))
            ui.table(coverage, [("major_code", "major_code"), ("major", major), ("graduates", "graduates"),
                                ("placements", "placements"), ("coverage", "coverage"),
                                ("relevance", "relevance"), ("conversion", "conversion"),
                                ("retention", "retention")], key="university_coverage")

    st.subheader(f"{L.t('shortage_low_coverage')} · {scope.place}")
    low = queries.shortage_low_coverage(scope.level, scope.geography, scope.year)
    ui.table(low, [("major_code", "major_code"), ("major", major), ("demand", "demand"), ("supply", "supply"),
                   ("alignment", "alignment"), ("graduates", "graduates"), ("placements", "placements"),
                   ("coverage", "coverage")], key="shortage_low_coverage")

    st.subheader(f"{L.t('region_internships')} · {scope.place}")
    by_major = queries.internship_by_major(scope.level, scope.geography, scope.year)
    ui.table(by_major, [("major_code", "major_code"), ("major", major), ("graduates", "graduates"),
                        ("placements", "placements"), ("coverage", "coverage"), ("relevance", "relevance"),
                        ("conversion", "conversion"), ("retention", "retention")], key="internships_by_major")
st.caption(L.t("suppressed_note", n=settings.MIN_GROUP_SIZE))
