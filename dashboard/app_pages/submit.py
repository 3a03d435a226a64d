"""Submit (/submit, 提交数据) · universities, enterprises, data staff: hand in a source file through the browser,
see what the loader makes of it before confirming, follow each submission until a build has loaded it; an
enterprise fills in its survey as a form. The work is in dashboard/submitting.py; this page draws it."""

import logging

import pandas as pd
import streamlit as st

from dashboard import auth, formatting, portal_state, queries, settings, submitting
from dashboard import labels as L
from sources import settings as sources_settings
from sources.landing_folder import printable

viewer = auth.viewer()
if not submitting.may_submit(viewer):  # the entry point lists this page only for those who may submit
    st.error(L.t("submit_not_for_you"))
    st.stop()

CHECKED = "submit_checked"  # session-state key: the uploaded file as checked (submitting.Checked)
UPLOADS = "submit_uploads"  # session-state key: a counter in the uploader's key, to empty it after a confirm
MESSAGE = "submit_message"
FORM = "submit_form"  # session-state key: the survey form's positions being edited

log = logging.getLogger(__name__)


def _signed_in_viewer() -> portal_state.Viewer | None:
    """For a callback: the viewer of this session, checked again now (callbacks run before the entry point)."""
    found = portal_state.viewer_of_session(st.session_state.get(auth.TOKEN_KEY))
    return found if found is not None and submitting.may_submit(found) else None


def _refusal(error: submitting.SubmissionRefused) -> str:
    return L.t(error.code, **error.values)


# --- what the published build made of the submissions ----------------------------------------------------
def _published_files(mine: list[portal_state.Submission]
                     ) -> tuple[dict[tuple[str, str], tuple], dict[tuple[str, str], int], str | None]:
    """What the published build made of this submitter's own files (queries.submission_outcomes), and of each
    loaded file's rows how many a later submission (or its own of the same key) has since replaced."""
    if not queries.is_ready():
        return {}, {}, None
    frame = queries.submission_outcomes(tuple(s.stored_as for s in mine if s.stored_as))
    found = {(r.file, r.sha256): (r.status, None if pd.isna(r.rows_read) else int(r.rows_read),
                                  None if pd.isna(r.rows_loaded) else int(r.rows_loaded),
                                  None if pd.isna(r.rows_quarantined) else int(r.rows_quarantined), r.reason)
             for r in frame.itertuples()}
    replaced = {(r.file, r.sha256): int(r.rows_replaced) for r in frame.itertuples() if not pd.isna(r.rows_replaced)}
    return found, replaced, queries.build_id()


def _status(s: portal_state.Submission) -> str:
    if s.status == portal_state.LOADED:
        return L.t("submit_status_loaded", build=s.build_id or "?")
    if s.status == portal_state.REJECTED:
        return L.t("submit_status_rejected", reason=printable(s.message or ""))
    return L.t("submit_status_waiting")


def _start_build() -> None:
    if _signed_in_viewer() is None:
        return
    holder = submitting.start_build()
    st.session_state[MESSAGE] = ("info", L.t("submit_build_started")) if holder is None else \
        ("warning", L.t("submit_build_running", holder=L.plain(holder)))


st.title(L.t("submit_title"))
st.caption(L.t("submit_intro", mb=settings.MAX_UPLOAD_MB, types=", ".join(sources_settings.SOURCE_SUFFIXES),
               scope=L.plain(portal_state.scope_label(viewer.role, viewer.scope, L.is_en()))))
message = st.session_state.pop(MESSAGE, None)
if message:
    getattr(st, message[0])(message[1])

st.subheader(L.t("submit_mine"))
mine = portal_state.list_submissions(viewer.username)
try:
    published, replaced, build_id = _published_files(mine)
except queries.WarehouseUnavailable:
    published, replaced, build_id = {}, {}, None
mine = submitting.settle(mine, published, build_id)
if mine:
    st.dataframe(pd.DataFrame({
        L.t("submit_col_at"): [L.timestamp(s.submitted_at) for s in mine],
        L.t("submit_col_kind"): [L.kind(s.kind) for s in mine],
        L.t("submit_col_file"): [printable(s.file_name) for s in mine],
        L.t("submit_col_status"): [_status(s) for s in mine],
        # whole counts (Int64): a count not known (yet), such as the replaced rows of a file waiting for a build,
        # stays empty and shows —, never None or 12.0; a loaded file none of whose rows were replaced shows 0
        L.t("submit_col_read"): pd.array([s.rows_read for s in mine], dtype="Int64"),
        L.t("submit_col_loaded"): pd.array([s.rows_loaded for s in mine], dtype="Int64"),
        L.t("submit_col_quarantined"): pd.array([s.rows_quarantined for s in mine], dtype="Int64"),
        L.t("submit_col_replaced"): pd.array([replaced.get((s.stored_as, s.sha256))
                                              if s.status == portal_state.LOADED else None for s in mine],
                                             dtype="Int64"),
    }), hide_index=True, width="stretch", placeholder=formatting.UNDEFINED, column_config={
        L.t(c): st.column_config.NumberColumn(format="localized")
        for c in ("submit_col_read", "submit_col_loaded", "submit_col_quarantined", "submit_col_replaced")})
    if any(s.status == portal_state.WAITING for s in mine):
        holder = submitting.build_running()
        if holder is None:
            st.caption(L.t("submit_waiting_help"))
            st.button(L.t("submit_build_now"), key="w_submit_build", on_click=_start_build)
        else:
            st.info(L.t("submit_build_running", holder=L.plain(holder)))
else:
    st.caption(L.t("submit_none_yet"))


# --- a file ------------------------------------------------------------------------------------------
def _confirm() -> None:
    checked = st.session_state.get(CHECKED)
    who = _signed_in_viewer()
    if checked is None or who is None:
        return
    try:
        submitting.confirm(who, checked)
    except submitting.SubmissionRefused as error:
        st.session_state[MESSAGE] = ("error", _refusal(error))
        return
    except OSError as error:  # the landing folder cannot be written: say so, keep the checked file
        st.session_state[MESSAGE] = ("error", L.t("submit_not_written", error=L.plain(error)))
        return
    st.session_state.pop(CHECKED, None)
    st.session_state[UPLOADS] = st.session_state.get(UPLOADS, 0) + 1  # an empty uploader for the next file
    st.session_state[MESSAGE] = ("success", L.t("submit_confirmed", file=L.plain(checked.file_name)))


def _show_preview(checked: submitting.Checked) -> None:
    report = checked.preview.report
    if checked.preview.rejected:
        st.error(L.t("submit_file_rejected", reason=L.plain(report.message)))
        return
    cols = st.columns(3)
    cols[0].metric(L.t("submit_col_read"), report.rows_read)
    cols[1].metric(L.t("submit_will_load"), report.rows_loaded)
    cols[2].metric(L.t("submit_will_quarantine"), report.rows_quarantined)
    if report.message:
        st.caption(L.plain(report.message))
    if checked.preview.quarantined:
        st.dataframe(pd.DataFrame({
            L.t("submit_col_row"): [row for row, _, _, _ in checked.preview.quarantined],
            L.t("submit_col_column"): [column or "" for _, column, _, _ in checked.preview.quarantined],
            L.t("submit_col_reason"): [printable(reason) for _, _, reason, _ in checked.preview.quarantined],
        }), hide_index=True, width="stretch", key="w_submit_quarantine")
    st.button(L.t("submit_confirm", n=report.rows_loaded), key="w_submit_confirm", on_click=_confirm,
              type="primary")


st.subheader(L.t("submit_file"))
kinds = submitting.KINDS_OF_ROLE[viewer.role]
kind = st.selectbox(L.t("submit_kind"), kinds, key="w_submit_kind", format_func=L.kind)
uploaded = st.file_uploader(
    L.t("submit_upload", mb=settings.MAX_UPLOAD_MB),
    type=[s.lstrip(".") for s in sources_settings.SOURCE_SUFFIXES],
    key=f"w_submit_file_{st.session_state.get(UPLOADS, 0)}", max_upload_size=settings.MAX_UPLOAD_MB)
if uploaded is None:
    st.session_state.pop(CHECKED, None)
else:
    data = uploaded.getvalue()
    checked = st.session_state.get(CHECKED)
    if checked is None or checked.data != data or checked.kind != kind:
        st.session_state.pop(CHECKED, None)
        try:
            with st.spinner(L.t("submit_checking")):
                checked = submitting.check(viewer, kind, uploaded.name, data)
            st.session_state[CHECKED] = checked
        except submitting.SubmissionRefused as error:
            checked = None
            st.error(_refusal(error))
            if error.code == "submit_busy":  # the file stays in the uploader: a click runs the check again
                st.button(L.t("submit_try_again"), key="w_submit_retry")
        except Exception:  # whatever a hostile file does to a reader, it is a message, not a crash
            # The exception's text can quote the loader's SQL and the server's paths: it goes to the server's log,
            # the submitter is told which file failed (the loader's own rejections are shown in full above).
            log.exception("checking the upload %s (%s) of %s failed", printable(uploaded.name), kind,
                          viewer.username)
            checked = None
            st.error(L.t("submit_unreadable", file=L.plain(uploaded.name)))
    if checked is not None:
        _show_preview(checked)


# --- the enterprise survey form ---------------------------------------------------------------------
if viewer.role == portal_state.ENTERPRISE:
    try:
        ready = queries.is_ready()
        rounds = submitting.survey_rounds(queries.latest_complete_year() if ready else None)
    except queries.WarehouseUnavailable:
        ready, rounds = False, submitting.survey_rounds(None)
    if st.session_state.get("w_form_year") not in rounds:
        st.session_state["w_form_year"] = rounds[0]
    year = st.session_state["w_form_year"]
    # the enterprise's answer for the year as it stands (its own rows of the published warehouse only): the
    # form starts from it and a submission replaces it whole, so it is read on every run, for the count said
    # beside the submit button. A warehouse that exists but cannot be read is said so: a form started from
    # nothing would wipe the answer unseen.
    unreadable = not ready and queries.publication() is not None
    record, answer, answer_file = None, [], None
    if ready:
        try:
            found = queries.enterprise_record(auth.access(), viewer.scope)
            record = None if found.empty else found.iloc[0].to_dict()
            rows = queries.survey_answer(auth.access(), viewer.scope, year)
            answer = rows.to_dict("records")
            answer_file = None if rows.empty else str(rows["source_file"].iloc[0])
        except queries.WarehouseUnavailable:
            unreadable = True
    start = submitting.starting_form(viewer, year, record, answer, answer_file)
    reference = sources_settings.reference_dir()
    majors = pd.read_csv(reference / "majors.csv", dtype=str)
    industries = pd.read_csv(reference / "industries.csv", dtype=str)
    cities = pd.read_csv(reference / "cities.csv", dtype=str)
    major_names = dict(zip(majors["major_code"], majors[L.name_column("major")]))
    industry_names = dict(zip(industries["industry_code"], industries[L.name_column("industry")]))
    city_names_shown = dict(zip(cities["city_name"], cities[L.name_column("city")]))
    if st.session_state.get(FORM, {}).get("year") != year:
        st.session_state[FORM] = {"year": year, "editing": None, **start}
    form = st.session_state[FORM]

    def _clear_position_fields() -> None:
        for key, empty in (("w_form_position", ""), ("w_form_majors", []), ("w_form_skills", "")):
            st.session_state[key] = empty

    def _add_position() -> None:
        position = st.session_state.get("w_form_position", "").strip()
        chosen = st.session_state.get("w_form_majors") or []
        if not position or not chosen:
            st.session_state[MESSAGE] = ("error", L.t("form_position_incomplete"))
            return
        salary = st.session_state.get("w_form_salary") or 0
        edited = {
            "position": position, "majors": list(chosen), "education": st.session_state.get("w_form_education"),
            "headcount": int(st.session_state.get("w_form_headcount") or 1),
            "skills": st.session_state.get("w_form_skills", "").strip(),
            "hosts_interns": bool(st.session_state.get("w_form_interns")),
            "monthly_salary": float(salary) if salary else None}
        editing = form.get("editing")
        if editing is not None and 0 <= editing < len(form["positions"]):
            form["positions"][editing] = edited  # in its place, so the list keeps the order it was answered in
        else:
            form["positions"].append(edited)
        form["editing"] = None
        _clear_position_fields()

    def _edit_position() -> None:
        """The chosen position into the fields above, to change and save in its place."""
        index = st.session_state.get("w_form_remove_which")
        if index is None or not 0 <= index < len(form["positions"]):
            return
        p = form["positions"][index]
        education = submitting.EDUCATION_CHOICE_OF_LEVEL.get(p["education"], p["education"])
        salary = p.get("monthly_salary")
        st.session_state.update({
            "w_form_position": p["position"], "w_form_majors": [m for m in p["majors"] if m in major_names],
            "w_form_headcount": min(max(int(p["headcount"]), 1), 100_000),
            "w_form_skills": p.get("skills") or "", "w_form_interns": bool(p.get("hosts_interns")),
            "w_form_salary": min(int(round(salary)), 1_000_000) if salary else 0})
        if education in submitting.EDUCATION_LEVELS:
            st.session_state["w_form_education"] = education
        form["editing"] = index

    def _cancel_edit() -> None:
        form["editing"] = None
        _clear_position_fields()

    def _remove_position() -> None:
        index = st.session_state.get("w_form_remove_which")
        if index is not None and 0 <= index < len(form["positions"]):
            form["positions"].pop(index)
            form["editing"] = None  # the index being edited may now name another position

    def _submit_form() -> None:
        who = _signed_in_viewer()
        if who is None or who.role != portal_state.ENTERPRISE:
            return
        city = st.session_state.get("w_form_city")
        industry = st.session_state.get("w_form_industry")
        if not city or not industry:  # never a guess: the first option would be a wrong answer given for it
            st.session_state[MESSAGE] = ("error", L.t("form_place_incomplete"))
            return
        province = cities.loc[cities["city_name"] == city, "province_name"].iloc[0]
        name = st.session_state.get("w_form_name", "").strip() or who.display_name or who.scope
        data = submitting.form_csv(who, year, name, industry, province, city, form["positions"])
        try:
            checked = submitting.check(who, "survey", submitting.FORM_FILE_NAME.format(year=year), data)
            submitting.confirm(who, checked)
        except submitting.SubmissionRefused as error:
            st.session_state[MESSAGE] = ("error", _refusal(error))
            return
        except OSError as error:  # the landing folder cannot be written: say so
            st.session_state[MESSAGE] = ("error", L.t("submit_not_written", error=L.plain(error)))
            return
        except Exception:  # anything else: a plain message, the detail (which may quote SQL) in the server's log
            log.exception("checking the survey form of %s failed", who.username)
            st.session_state[MESSAGE] = ("error", L.t("submit_unreadable",
                                                      file=submitting.FORM_FILE_NAME.format(year=year)))
            return
        report = checked.preview.report
        st.session_state[MESSAGE] = ("success", L.t("form_submitted", year=year, n=report.rows_loaded,
                                                    q=report.rows_quarantined))

    st.subheader(L.t("form_title", year=year))
    st.caption(L.t("form_intro"))
    if unreadable:
        st.warning(L.t("form_record_unreadable"))
    round_names = {y: L.t("form_year_round", year=y) if y == rounds[0] and len(rounds) > 1 else
                   L.t("form_year_this", year=y) for y in rounds}
    st.selectbox(L.t("form_year"), rounds, key="w_form_year", format_func=round_names.get)
    st.text_input(L.t("form_enterprise_name"), value=form.get("enterprise_name") or viewer.display_name,
                  key="w_form_name")
    industry_codes = list(industries["industry_code"])
    st.selectbox(L.t("form_industry"), industry_codes, key="w_form_industry",
                 index=industry_codes.index(form["industry_code"]) if form.get("industry_code") in industry_codes
                 else None, placeholder=L.t("form_choose"),
                 format_func=lambda c: f"{c} {industry_names[c]}")
    city_names = list(cities["city_name"])
    st.selectbox(L.t("form_city"), city_names, key="w_form_city",
                 index=city_names.index(form["city"]) if form.get("city") in city_names else None,
                 placeholder=L.t("form_choose"), format_func=lambda c: city_names_shown[c])
    editing = form.get("editing")
    if editing is not None and not 0 <= editing < len(form["positions"]):
        editing = form["editing"] = None
    with st.container(border=True):
        st.text_input(L.t("form_position"), key="w_form_position")
        st.multiselect(L.t("form_majors"), list(major_names), key="w_form_majors",
                       format_func=lambda c: f"{major_names[c]} ({c})", placeholder=L.t("form_majors_search"))
        st.selectbox(L.t("form_education"), submitting.EDUCATION_LEVELS, key="w_form_education")
        # (no value=: the minimum is the default, and an edited position's values are put in session state)
        st.number_input(L.t("form_headcount"), min_value=1, max_value=100_000, step=1, key="w_form_headcount")
        st.text_input(L.t("form_skills"), key="w_form_skills")
        st.checkbox(L.t("form_interns"), key="w_form_interns")
        st.number_input(L.t("form_salary"), min_value=0, max_value=1_000_000, step=500, key="w_form_salary")
        if editing is None:
            st.button(L.t("form_add"), key="w_form_add", on_click=_add_position)
        else:
            buttons = st.container(horizontal=True)
            buttons.button(L.t("form_save", position=form["positions"][editing]["position"]), key="w_form_add",
                           on_click=_add_position, type="primary")
            buttons.button(L.t("form_cancel_edit"), key="w_form_cancel_edit", on_click=_cancel_edit)
    if form["positions"]:
        st.dataframe(pd.DataFrame({
            L.t("form_position"): [p["position"] for p in form["positions"]],
            L.t("form_majors"): ["、".join(major_names.get(m, m) for m in p["majors"]) for p in form["positions"]],
            L.t("form_education"): [p["education"] for p in form["positions"]],
            L.t("form_headcount"): [p["headcount"] for p in form["positions"]],
            L.t("form_skills"): [p["skills"] for p in form["positions"]],
            L.t("form_interns"): [{True: L.t("yes"), False: L.t("no")}.get(p.get("hosts_interns"), "")
                                  for p in form["positions"]],
            L.t("form_salary"): [p["monthly_salary"] for p in form["positions"]],
        }), hide_index=True, width="stretch", key="w_form_positions")
        change = st.container(horizontal=True)
        change.selectbox(L.t("form_remove_which"), list(range(len(form["positions"]))), key="w_form_remove_which",
                         format_func=lambda i: form["positions"][i]["position"])
        change.button(L.t("form_edit"), key="w_form_edit", on_click=_edit_position)
        change.button(L.t("form_remove"), key="w_form_remove", on_click=_remove_position)
        # said before the button, with the count: a submission is the enterprise's whole answer for the year
        # and replaces every position on record, the data staff's included (docs/data-contracts.md)
        if start["on_record"]:
            st.warning(L.t("form_replaces", year=year, n=start["on_record"], m=len(form["positions"]),
                           where=L.t(f"form_on_record_{start['on_record_from']}")))
        else:
            st.info(L.t("form_replaces_nothing", year=year, m=len(form["positions"])))
        st.button(L.t("form_submit", n=len(form["positions"])), key="w_form_submit", on_click=_submit_form,
                  type="primary")
    else:
        st.caption(L.t("form_no_positions"))
