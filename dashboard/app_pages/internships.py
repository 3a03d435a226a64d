"""Internships (/internships) · enterprises and universities: bases, capacity and utilisation, placements by
major, coverage, relevance (对口率) and conversion (留用率); majors with high demand but low coverage."""

import pandas as pd
import streamlit as st

from dashboard import auth, charts, queries, ui
from dashboard import labels as L
from dashboard.portal_state import ENTERPRISE, UNIVERSITY
from warehouse import settings as warehouse_settings

viewer = auth.viewer()
access = auth.access()  # the viewer's scope: every query is given it
scope = ui.scope()
st.title(L.t("internships_title", place=L.plain(scope.place), year=scope.year))
st.caption(L.t("internships_intro"))
major = L.name_column("major")

def undefined_here(frame: pd.DataFrame, ratios: tuple[str, ...]) -> None:
    """Say under a table why its ratios are undefined where they are, with the reasons the marts give per row
    (`<ratio>_undefined`: suppressed, no graduates, no placements, ...)."""
    reasons: list[str] = []
    for ratio in ratios:
        column = f"{ratio}_undefined"
        if column in frame:
            for reason in frame.loc[frame[ratio].isna(), column].dropna().unique():
                text = L.t(f"undefined_{reason}", n=warehouse_settings.MIN_GROUP_SIZE)
                if text not in reasons:
                    reasons.append(text)
    if reasons:
        st.caption(L.t("undefined_here", reasons=("; " if L.is_en() else "；").join(reasons)))


views = {"university": L.t("by_university"), "enterprise": L.t("by_enterprise")}
# A university or an enterprise sees the bases and placements of its own scope only, wherever the filters
# point (the queries return no other: access.py); the tables after them are the place's aggregates. The
# public sees no university's or enterprise's own figures.
own_view = {UNIVERSITY: "university", ENTERPRISE: "enterprise"}.get(viewer.role)
if own_view:
    views = {own_view: views[own_view]}
elif not viewer.signed_in:
    views = {}
view = ui.persisted_choice(L.t("view_by"), list(views), views, "internships_view") if views else None
listed_in = ("region", warehouse_settings.REGION_GEOGRAPHY) if own_view else (scope.level, scope.geography)

with st.spinner(L.t("loading")):
    if view == "university":
        universities = queries.universities(access, *listed_in)
        names = dict(zip(universities["university_code"], universities[L.name_column("university")]))
        chosen = ui.persisted_choice(L.t("university"), list(names), names, "internships_university")
        selector = {"university_code": chosen}
    elif view == "enterprise":
        # every surveyed enterprise and every base host, so any enterprise finds itself (a select box is
        # searchable by typing): one without a base sees empty tables and where to look next
        enterprises = queries.enterprises(access, *listed_in)
        names = {e: f"{n} · {e}" for e, n in zip(enterprises["enterprise_id"], enterprises["enterprise_name"],
                                                 strict=True)}
        chosen = ui.persisted_choice(L.t("enterprise_search"), list(names), names, "internships_enterprise")
        selector = {"enterprise_id": chosen}
        if chosen and not bool(enterprises.loc[enterprises["enterprise_id"] == chosen, "has_base"].any()):
            st.info(L.t("no_base_yet"))
    else:
        chosen = None

    if chosen:
        st.subheader(L.t("bases"))
        bases = queries.bases(access, scope.year, **selector)
        bases = bases.assign(university=bases[L.name_column("university")], city=bases[L.name_column("city")],
                             utilisation_undefined=bases["suppressed"].map({True: "suppressed"}))
        if not bases.empty:
            ui.chart(charts.value_bars, bases.dropna(subset=["utilisation"]), "base_id", "utilisation",
                     L.t("bases"), L.t("ax_utilisation"))
        ui.table(bases, [("base_id", "base_id"), ("base_name", "base_name"), ("enterprise", "enterprise_name"),
                         ("university", "university"), ("city", "city"), ("capacity", "capacity"),
                         ("placement_rows", "placements"), ("utilisation", "utilisation")], key="bases")
        undefined_here(bases, ("utilisation",))
        st.caption(L.t("bases_across_levels"))

        st.subheader(L.t("placements_by_major"))
        types = {t: L.t(f"type_{t}") for t in (queries.ALL, "production", "graduation", "cognitive")}
        organisations = {o: L.t(f"organisation_{o}") if o != queries.ALL else L.t("option_all")
                         for o in (queries.ALL, "centralised", "dispersed")} | {"unknown": L.t("option_unknown")}
        modes = {m: L.t(f"mode_{m}") if m != queries.ALL else L.t("option_all")
                 for m in (queries.ALL, "onsite", "virtual", "simulated")} | {"unknown": L.t("option_unknown")}
        left, middle, right = st.columns(3)
        with left:
            internship_type = ui.persisted_choice(L.t("internship_type_filter"), list(types), types,
                                                  "internships_type")
        with middle:
            organisation = ui.persisted_choice(L.t("organisation_filter"), list(organisations), organisations,
                                               "internships_organisation")
        with right:
            mode = ui.persisted_choice(L.t("mode_filter"), list(modes), modes, "internships_mode")
        placed = queries.placements_by_major(access, scope.year, **selector, internship_type=internship_type,
                                             organisation=organisation, mode=mode,
                                             study_level=scope.study_level)
        ui.table(placed, [("major_code", "major_code"), ("major", major), ("students", "students"),
                          ("placement_rows", "placement_rows"), ("relevance", "relevance"),
                          ("relevance_unknown_share", "relevance_unknown_share"), ("conversion", "conversion")],
                 key="placements_by_major")
        undefined_here(placed, ("relevance", "conversion"))
        if view == "university":
            st.subheader(L.t("coverage_by_major"))
            coverage = queries.university_coverage(access, chosen, scope.year, scope.study_level)
            ui.chart(charts.value_bars, coverage.dropna(subset=["coverage"]), major, "coverage",
                     L.t("coverage_by_major"), L.t("ax_coverage"))
            ui.table(coverage, [("major_code", "major_code"), ("major", major), ("graduates", "graduates"),
                                ("placements", "placements"), ("coverage", "coverage"), ("relevance", "relevance"),
                                ("relevance_unknown_share", "relevance_unknown_share"),
                                ("conversion", "conversion"), ("retention", "retention")],
                     key="university_coverage")
            undefined_here(coverage, ("coverage", "relevance", "conversion", "retention"))

    st.subheader(f"{L.t('shortage_low_coverage')} · {L.plain(scope.place)}")
    low = queries.shortage_low_coverage(access, scope.level, scope.geography, scope.year, scope.study_level)
    ui.table(low, [("major_code", "major_code"), ("major", major), ("demand", "demand"), ("supply", "supply"),
                   ("alignment", "alignment"), ("graduates", "graduates"), ("placements", "placements"),
                   ("coverage", "coverage")], key="shortage_low_coverage")
    undefined_here(low, ("coverage",))

    st.subheader(f"{L.t('region_internships')} · {L.plain(scope.place)}")
    by_major = queries.internship_by_major(access, scope.level, scope.geography, scope.year, scope.study_level)
    ui.table(by_major, [("major_code", "major_code"), ("major", major), ("graduates", "graduates"),
                        ("placements", "placements"), ("coverage", "coverage"), ("relevance", "relevance"),
                        ("relevance_unknown_share", "relevance_unknown_share"), ("conversion", "conversion"),
                        ("retention", "retention")], key="internships_by_major")
    undefined_here(by_major, ("coverage", "relevance", "conversion", "retention"))
st.caption(L.t("suppressed_note", n=warehouse_settings.MIN_GROUP_SIZE))
