"""Scorecard (/scorecard, 专业评分) · university planners and education departments: each major of a university
(or of a province) with its indicators, their percentiles and a score weighted as the user chooses; the
three-year outlook; a what-if on enrolment, before and after side by side (docs/metrics.md "Decision support").

The weights (and the subject scored) are in the URL (`?w=alignment:1,coverage:2&subject=university:10145`) so
a scorecard can be shared; the subject is only ever looked up among what the viewer may see, and every query
binds the viewer's scope, so a URL never widens it."""

import streamlit as st

from dashboard import auth, charts, outlook, queries, ui
from dashboard import labels as L
from dashboard import scorecard_queries as q
from warehouse.settings import REGION_GEOGRAPHY as REGION

viewer = auth.viewer()
access = auth.access()
scope = ui.scope()
major = L.name_column("major")
WEIGHT_PARAM, SUBJECT_PARAM = "w", "subject"
MAX_WEIGHT = 5


def weights_from_url(indicators: tuple[str, ...]) -> dict[str, float]:
    """The weights the URL gives (`indicator:weight,...`), defaults 1, clamped to 0 … MAX_WEIGHT."""
    weights = dict.fromkeys(indicators, 1.0)
    for item in str(st.query_params.get(WEIGHT_PARAM, "")).split(","):
        name, _, value = item.partition(":")
        if name in weights:
            try:
                weights[name] = min(max(float(value), 0.0), MAX_WEIGHT)
            except ValueError:
                pass
    return weights


# --- what is scored: a province (anyone) or a university of the viewer's scope --------------------------
subjects = q.subjects(access, scope.study_level, scope.year)
if subjects.empty:
    st.title(L.t("page_scorecard"))
    st.info(L.t("no_scorecard"))
    st.stop()
options = [f"{k}:{v}" for k, v in zip(subjects["kind"], subjects["key"], strict=True)]
# a name per subject (thousands in a national warehouse): the language is read once, not per name
university_names = subjects["university_name_en" if L.is_en() else "university_name"]
names = {}
for option, subject_kind, subject_key, province_name, university_name in zip(
        options, subjects["kind"], subjects["key"], subjects["province_name"], university_names, strict=True):
    if subject_kind == q.PROVINCE:
        names[option] = L.t("subject_province", name=scope.place_of("province", province_name))
    else:
        names[option] = f"{university_name or subject_key} · {subject_key}"
# The default follows the sidebar: its province (a city's province); at the whole region, which is not scored
# (percentiles are among a province's majors), the viewer's own province, else the sidebar's first province.
# A university is shown its own scorecard.
cities = queries.cities(access)
sidebar_province = st.session_state.get(ui.PROVINCE) or next(
    iter(cities.loc[cities["city_name"] == scope.geography, "province_name"]), None)
own_enterprise = queries.enterprises(access, "region", REGION) if access.enterprise_id else None
own_province = (own_enterprise["province_name"].iloc[0] if own_enterprise is not None and len(own_enterprise)
                else viewer.scope)
first_province = next(iter(queries.provinces(access)["province_name"]), "")
preferred = [f"university:{viewer.scope}", f"province:{sidebar_province}", f"province:{own_province}",
             f"province:{first_province}"]
default = next((o for o in preferred if o in options), options[0])
requested = str(st.query_params.get(SUBJECT_PARAM, ""))
if st.session_state.get("scorecard_default", default) != default:
    # the sidebar's place changed since the subject was chosen: the scorecard follows it (not the URL's
    # subject, which is the one shown before)
    st.session_state["scorecard_subject"] = default
st.session_state["scorecard_default"] = default
if st.session_state.get("scorecard_subject") not in options:
    # a shared URL's subject, if this viewer may see it (else it is ignored, never looked up)
    st.session_state["scorecard_subject"] = requested if requested in options else default
subject = ui.persisted_choice(L.t("scorecard_subject"), options, names, "scorecard_subject")
kind, key = subject.split(":", 1)
province = subjects.loc[(subjects["kind"] == kind) & (subjects["key"] == key), "province_name"].iloc[0]
st.query_params[SUBJECT_PARAM] = subject

st.title(L.t("scorecard_title", subject=L.plain(names[subject]), year=scope.year))
st.caption(L.t("scorecard_intro"))
if scope.level == "region" and kind == q.PROVINCE:
    st.caption(L.t("scorecard_region_note", region=scope.place, province=names[subject]))

# --- weights: sliders, kept in the URL ---------------------------------------------------------------------
available = q.available_indicators()
initial = weights_from_url(available)
with st.expander(L.t("weights"), expanded=True):
    columns = st.columns(4)
    weights = {}
    for i, indicator in enumerate(q.INDICATORS):
        with columns[i % 4]:
            label = L.t(f"indicator_{indicator}")
            if indicator in available:
                weights[indicator] = st.slider(label, 0.0, float(MAX_WEIGHT), initial[indicator], 0.5,
                                               key=f"w_weight_{indicator}")
            else:
                st.caption(L.t("indicator_pending", indicator=label))
st.query_params[WEIGHT_PARAM] = ",".join(f"{i}:{w:g}" for i, w in weights.items())

card = q.scorecard(access, kind, key, scope.study_level, scope.year, tuple(weights.items()))
if card.empty:
    st.info(L.t("no_scorecard"))
    st.stop()
separator = ", " if L.is_en() else "、"
indicator_names = {i: L.t(f"indicator_{i}") for i in {i for items in card["missing"] for i in items}}
card["missing_text"] = card["missing"].map(lambda items: separator.join(indicator_names[i] for i in items))

ui.chart(charts.score_bars, card[[major, "score", "card", "missing_text"]], major, L.t("score_chart"))
columns = [("major_code", "major_code"), ("major", major), ("score", "score"), ("card", "card"),
           ("status", "status"), ("missing", "missing_text")]
for indicator in available:
    # a header key per indicator (salary's says its unit; its plain key may be taken by the pay pages)
    header = "salary_scorecard" if indicator == "salary" else indicator
    columns += [(header, indicator), (f"{indicator}_percentile", f"{indicator}_percentile")]
ui.table(card, columns, key="scorecard")
ui.report_download(kind, key, scope.year, scope.study_level, access, "scorecard")
lacking = card[card["missing_text"] != ""]
if not lacking.empty:
    st.caption(L.t("missing_indicators", items="; ".join(
        f"{L.plain(n)}: {t}" for n, t in zip(lacking[major], lacking["missing_text"], strict=True))))

# --- outlook and what-if -------------------------------------------------------------------------------
st.subheader(L.t("outlook"))
st.caption(L.t("outlook_intro"))
history = q.province_history(access, province, scope.study_level)

st.markdown(f"**{L.t('what_if')}**")
st.caption(L.t("what_if_intro"))
changeable = q.university_majors(access, province, scope.study_level, scope.year)
left, middle, right = st.columns(3)
universities = dict(zip(changeable["university_code"],
                        changeable[L.name_column("university")].fillna(changeable["university_code"]), strict=True))
default_university = key if kind == q.UNIVERSITY_SCOPE else None
with left:
    university = st.selectbox(L.t("what_if_university"), list(universities), format_func=universities.get,
                              index=list(universities).index(default_university)
                              if default_university in universities else None, key="w_what_if_university")
offered = changeable[changeable["university_code"] == university]
major_names = dict(zip(offered["major_code"], offered[major], strict=True))
with middle:
    chosen = st.multiselect(L.t("what_if_majors"), list(major_names), format_func=major_names.get,
                            key="w_what_if_majors")
    from_year = int(st.number_input(L.t("what_if_from"), min_value=scope.year - 5, max_value=scope.year + 5,
                                    value=scope.year + 1, step=1, key="w_what_if_from"))
with right:
    units = {"percent": L.t("unit_percent"), "people": L.t("unit_people")}
    unit = st.radio(L.t("what_if_unit"), list(units), format_func=units.get, horizontal=True, key="w_what_if_unit")
    if unit == "percent":
        amount = st.number_input(L.t("what_if_amount"), min_value=-100.0, max_value=500.0, value=30.0, step=5.0,
                                 key="w_what_if_percent")
    else:
        amount = st.number_input(L.t("what_if_people"), min_value=-1000.0, max_value=1000.0, value=10.0,
                                 step=5.0, key="w_what_if_people")
changes = [outlook.EnrolmentChange(university, m, from_year,
                                   people=amount if unit == "people" else 0.0,
                                   percent=amount if unit == "percent" else 0.0)
           for m in chosen] if university else []

compared = q.what_if(access, province, scope.study_level, scope.year, tuple(changes))
if changes:
    last = int(compared["year"].max())
    st.caption(L.t("what_if_reach", year=from_year, graduates=from_year + outlook.lag_years(scope.study_level),
                   last=last))
    shown = compared[compared["major_code"].isin(chosen)].merge(
        history[["major_code", "major_name", "major_name_en"]].drop_duplicates(), how="left")
    changed = shown[shown["changed"]]
    if changed.empty:
        st.success(L.t("what_if_unchanged"))
    else:
        st.warning(L.t("what_if_changed", items="; ".join(
            f"{L.plain(n)} {y}: {L.status(b)} → {L.status(a)}" for n, y, b, a in
            zip(changed[major], changed["year"], changed["status_before"], changed["status_after"], strict=True))))
    ui.table(shown, [("major_code", "major_code"), ("major", major), ("year", "year"),
                     ("supply_before", "supply_before"), ("supply_after", "supply_after"),
                     ("alignment_before", "alignment_before"), ("alignment_after", "alignment_after"),
                     ("status_before", "status_before"), ("status_after", "status_after")], key="what_if")
else:
    st.caption(L.t("what_if_none"))

outlook_names = dict(zip(card["major_code"], card[major], strict=True))
if chosen != st.session_state.get("outlook_follows") and chosen and chosen[0] in outlook_names:
    st.session_state["w_outlook_major"] = chosen[0]  # a new what-if: show its first major's outlook
st.session_state["outlook_follows"] = chosen
outlook_major = st.selectbox(L.t("outlook_major"), list(outlook_names), format_func=outlook_names.get,
                             key="w_outlook_major")
picked = compared[compared["major_code"] == outlook_major]
scenarios = {L.t("scenario_now"): picked.rename(columns={"alignment_before": "alignment", "status_before": "status"})}
if changes and outlook_major in chosen:
    scenarios[L.t("scenario_what_if")] = picked.rename(columns={"alignment_after": "alignment",
                                                                "status_after": "status"})
major_history = history[(history["major_code"] == outlook_major) & (history["year"] <= scope.year)]
if not major_history.empty:
    ui.chart(charts.outlook, outlook.chart_frame(major_history, scenarios),
             f"{L.t('outlook')} · {outlook_names[outlook_major]} · {scope.place_of('province', province)}")
