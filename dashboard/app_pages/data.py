"""Data (/data) · data staff: what each source file contributed, quarantined rows with reasons, the last
build and its checks, and how to load new files."""

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import auth, queries, skills_queries, ui
from dashboard import labels as L
from sources.kinds import KINDS
from sources.landing_folder import printable

access = auth.access()  # the data staff's: the audit tables are read with it
st.title(L.t("data_title"))
st.caption(L.t("data_intro"))
st.caption(L.t("data_all_levels"))

with st.spinner(L.t("loading")):
    build = queries.build_info(access)
    checks = queries.checks(access)
    log = queries.load_log(access)
    rejected = queries.rejected_files(access)

# when the publication records its build, its own publication time; else the file's
publication = queries.publication()
published = None
if build is not None and not build.empty and "published_at" in build.columns:
    published = build["published_at"].iloc[0].to_pydatetime()
elif publication is not None:
    published = dt.datetime.fromtimestamp(publication.mtime_ns / 1e9, tz=dt.UTC)
if published is not None:
    st.markdown(L.t("published_at", when=L.timestamp(published), path=f"`{publication.path}`"))


def escaped(frame: pd.DataFrame) -> pd.DataFrame:
    """File names, and the messages and rows that quote a file, as they are safe to show and download: a
    control or bidirectional character (U+202E reverses what follows it) written as an escape."""
    text = [c for c in ("file", "message", "reason", "column_name", "raw_row") if c in frame.columns]
    return frame.assign(**{c: frame[c].map(lambda v: printable(v) if isinstance(v, str) else v) for c in text})


def shown_value(value) -> str:
    if isinstance(value, pd.Timestamp):
        return L.timestamp(value.to_pydatetime())
    return "—" if pd.isna(value) else printable(str(value))  # (the landing folder's path among them)


if build is not None and not build.empty:
    st.subheader(L.t("build_info"))
    row = build.iloc[0]
    items = pd.DataFrame({"item": [L.build_field(c) for c in build.columns],
                          "value": [shown_value(row[c]) for c in build.columns]})
    ui.table(items, [("item", "item"), ("value", "value")], key="build")
st.subheader(L.t("checks"))
if checks is None:
    st.caption(L.t("checks_absent"))
else:
    checks = checks.assign(
        result=checks["passed"].map(lambda ok: L.t("check_passed") if ok else L.t("check_failed")),
        what=[L.check(n, d) for n, d in zip(checks["check_name"], checks["description"])],
    )
    ui.table(checks, [("asset", "asset"), ("check_name", "check_name"), ("passed", "result"),
                      ("description", "what"), ("detail", "detail")], key="checks")

st.subheader(L.t("load_log"))
log = escaped(log).assign(kind_label=log["kind"].map(L.kind))
ui.table(log, [("file", "file"), ("kind", "kind_label"), ("rows_read", "rows_read"), ("rows_loaded", "rows_loaded"),
               ("rows_quarantined", "rows_quarantined"), ("rows_replaced", "rows_replaced"), ("message", "message"),
               ("loaded_at", "loaded_at")],
         key="load_log")

st.subheader(L.t("quarantine"))
kinds = ["", *KINDS]
kind = ui.persisted_choice(L.t("kind"), kinds, {"": L.t("all_kinds"), **{k: L.kind(k) for k in kinds[1:]}},
                           "data_kind")
quarantined = queries.quarantine(access, kind or None)
quarantined = escaped(quarantined).assign(kind_label=quarantined["kind"].map(L.kind))
ui.table(quarantined, [("file", "file"), ("kind", "kind_label"), ("row_number", "row_number"),
                       ("column_name", "column_name"), ("reason", "reason"), ("raw_row", "raw_row")],
         key="quarantine")

st.subheader(L.t("rejected_files"))
if rejected.empty:
    st.caption(L.t("none_rejected"))
else:
    rejected = escaped(rejected).assign(kind_label=rejected["kind"].map(L.kind))
    ui.table(rejected, [("file", "file"), ("kind", "kind_label"), ("reason", "reason"), ("seen_at", "seen_at")],
             key="rejected_files")

# unrecognised internship type / organisation / mode wordings: loaded (not quarantined), counted as the
# warehouse says (docs/metrics.md "Internship types"), listed here so the rule can be extended
wordings = queries.internship_wordings(access)
if wordings is not None:
    st.subheader(L.t("internship_wordings"))
    st.caption(L.t("internship_wordings_note"))
    ui.table(wordings, [("column_name", "column_name"), ("wording", "wording"), ("counted_as", "counted_as"),
                        ("placement_rows", "placement_rows")], key="internship_wordings")

# survey skill wordings the vocabulary does not know (docs/metrics.md "Skills and pay"): listed so that data staff
# can add them to sources/reference/skills.csv as aliases
pieces = skills_queries.unmatched_skill_pieces(access)
if pieces is not None:
    st.subheader(L.t("unmatched_skills"))
    st.caption(L.t("unmatched_skills_note"))
    ui.table(pieces, [("wording", "wording"), ("skill_positions", "positions"), ("skill_demand", "headcount"),
                      ("year", "year")], key="unmatched_skills")

st.subheader(L.t("how_to_load"))
st.markdown(L.t("how_to_load_body", folders=L.landing_folders(KINDS)))
