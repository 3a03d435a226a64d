"""Skills (/skills) · everyone: pick a skill and see which majors' employers ask for it and how often, where, at
what pay, and which universities teach it by their core courses (docs/metrics.md "Skills and pay")."""

import streamlit as st

from dashboard import auth, charts, skills_queries, ui
from dashboard import labels as L

access = auth.access()
scope = ui.scope()
st.title(L.t("skills_title", place=L.plain(scope.place), year=scope.year))
st.caption(L.t("skills_intro"))
en = L.is_en()

skills = skills_queries.skills()
names = {r.skill_id: (r.skill_name_en if en else f"{r.skill_name} · {r.skill_name_en}")
         for r in skills.itertuples()}
skill = ui.persisted_choice(L.t("skill"), list(names), names, "skills_skill") if names else None
if skill is None:
    st.info(L.t("no_rows"))
    st.stop()

st.subheader(L.t("skills_by_major"))
by_major = skills_queries.skill_by_major(access, skill, scope.level, scope.geography, scope.year,
                                         scope.study_level)
by_major = by_major.assign(major=by_major["major_name_en" if en else "major_name"])
ui.chart(charts.value_bars, by_major.head(15), "major", "skill_share", L.t("skills_share_chart", skill=names[skill]),
         L.column("skill_share"))
ui.table(by_major,
         [("major_code", "major_code"), ("major", "major_name_en" if en else "major_name"),
          ("skill_demand", "skill_demand"), ("skill_positions", "positions"), ("skill_share", "skill_share"),
          ("skill_share_change", "skill_share_change"), ("salary_median", "salary_median")], "skill_by_major")
st.subheader(L.t("skills_by_place"))
ui.table(skills_queries.skill_by_place(access, skill, scope.year, scope.study_level),
         [("city", "city_name_en" if en else "city_name"), ("skill_demand", "skill_demand"), ("skill_positions", "positions"),
          ("salary_p25", "salary_p25"), ("salary_median", "salary_median"), ("salary_p75", "salary_p75")],
         "skill_by_place")
st.caption(L.t("salary_note"))
st.subheader(L.t("skills_teaching"))
ui.table(skills_queries.skill_teaching(access, skill, scope.level, scope.geography, scope.year,
                                         scope.study_level),
         [("university", "university_name_en" if en else "university_name"),
          ("major", "major_name_en" if en else "major_name"), ("courses", "courses")], "skill_teaching")
