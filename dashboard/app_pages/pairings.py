"""Pairings (/pairings) · both sides: one entry per enterprise and major it needs, with the universities
suggested, the interns each could send and why; filterable by place and level (the sidebar), industry, major,
enterprise and university."""

import streamlit as st

from dashboard import auth, queries, ui
from dashboard import labels as L

#: entries whose reasons are spelled out below the table when no enterprise or university is picked
DETAILED = 20

access = auth.access()  # the viewer's scope: every query is given it
scope = ui.scope()
st.title(L.t("pairings_title", place=L.plain(scope.place), year=scope.year))
st.caption(L.t("pairings_intro"))
en = L.is_en()

industries = queries.industries()
majors = queries.majors()
parties = queries.pairing_parties(access, scope.level, scope.geography, scope.year, scope.study_level)
industry_names = dict(zip(industries["industry_code"], industries[L.name_column("industry")]))
major_names = dict(zip(majors["major_code"], majors[L.name_column("major")]))
party_names = {kind: dict(zip(rows["code"], rows["name_en" if en else "name"].fillna(rows["name"])))
               for kind, rows in parties.groupby("kind")}
enterprise_names = party_names.get("enterprise", {})
university_names = party_names.get("university", {})
top, bottom = st.columns(2), st.columns(2)
with top[0]:
    industry = ui.persisted_choice(L.t("industry"), ["", *industry_names],
                                   {"": L.t("all_industries"), **industry_names}, "pairings_industry")
with top[1]:
    major = ui.persisted_choice(L.t("major"), ["", *major_names], {"": L.t("all_majors"), **major_names},
                                "pairings_major")
with bottom[0]:
    enterprise = ui.persisted_choice(L.t("pairing_pick_enterprise"), ["", *enterprise_names],
                                     {"": L.t("pairing_any_enterprise"), **enterprise_names}, "pairings_enterprise")
with bottom[1]:
    university = ui.persisted_choice(L.t("pairing_pick_university"), ["", *university_names],
                                     {"": L.t("pairing_any_university"), **university_names}, "pairings_university")

with st.spinner(L.t("loading")):
    pairs = queries.pairing_suggestions(access, scope.level, scope.geography, scope.year, scope.study_level,
                                        industry or None, major or None, enterprise or None, university or None)
matching = int(pairs["matching_entries"].iloc[0]) if len(pairs) else 0
enterprises = int(pairs["matching_enterprises"].iloc[0]) if len(pairs) else 0
st.markdown(L.t("count_suggestions", n=f"{matching:,}", e=f"{enterprises:,}"))
shown = pairs["entry"].nunique()
if matching > shown:
    st.caption(L.t("showing_first", shown=f"{shown:,}"))

# enterprises are named as registered (the surveys carry no English names); the credit code identifies them
pairs = pairs.assign(
    university=pairs[L.name_column("university")].fillna(pairs["university_name"]),
    reason=L.pairing_reasons(pairs),
)
line, = L.texts("pairing_line")
pairs["line"] = [line.format(university=u, interns=f"{int(n):,}")
                 for u, n in zip(pairs["university"], pairs["interns"], strict=True)]
# each suggestion as its entry's details list it (Markdown: the names in it are data, escaped)
pairs["detail"] = [f"- **{L.plain(u)}** — {L.plain(r)}" for u, r in zip(pairs["line"], pairs["reason"], strict=True)]
entries = (pairs.groupby("entry", sort=True)
           .agg(enterprise_name=("enterprise_name", "first"), enterprise_id=("enterprise_id", "first"),
                city=(L.name_column("city"), "first"), city_name=("city_name", "first"),
                major=(L.name_column("major"), "first"), wanted=("wanted", "first"),
                suggested=("interns", "sum"), lines=("line", L.t("pairing_reason_separator").join))
           .reset_index())
entries["city"] = entries["city"].fillna(entries["city_name"])
ui.table(entries, [("enterprise", "enterprise_name"), ("city", "city"), ("major", "major"),
                   ("interns_wanted", "wanted"), ("interns_suggested", "suggested"),
                   ("suggested_universities", "lines")], key="pairing_suggestions", height=420)

st.subheader(L.t("pairing_details"))
picked = bool(enterprise or university)
if not picked and len(entries) > DETAILED:
    st.caption(L.t("pairing_details_first", shown=DETAILED))
for entry in entries.itertuples():
    if not picked and entry.Index >= DETAILED:
        break
    # an enterprise names itself in its survey: the expander's label is Markdown, the name is escaped
    label = L.t("pairing_entry", enterprise=L.plain(entry.enterprise_name), city=L.plain(entry.city),
                major=L.plain(entry.major),
                wanted=f"{int(entry.wanted):,}", suggested=f"{int(entry.suggested):,}")
    with st.expander(label, expanded=picked):
        st.markdown("\n".join(pairs.loc[pairs["entry"] == entry.entry, "detail"]))
        if entry.suggested < entry.wanted:
            st.caption(L.t("pairing_unmet", n=f"{int(entry.wanted - entry.suggested):,}"))
        st.caption(f"{L.column('enterprise_id')}: {L.plain(entry.enterprise_id)}")
