"""What every page shares: the language and filter state, the scope the filters select, tables with their
CSV / XLSX downloads, and the friendly page shown when there is no warehouse yet.

Filter values live in session state under keys no widget owns (`filter_*`), so they survive page switches
and language switches (a widget's own state is dropped when it is not rendered, or may be when its label
changes); the widgets (`w_*`) are re-seeded from them on every run.
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import auth, charts, formatting, queries, settings
from dashboard import labels as L
from dashboard.access import Access

YEAR, PROVINCE, CITY, STUDY_LEVEL = "filter_year", "filter_province", "filter_city", "filter_study_level"
ALL = ""  # the "all" option of the geography filters


# --- the server process -----------------------------------------------------------------------------
_startup_frozen = False


def freeze_startup_objects() -> None:
    """Once per server process, on its first run: the objects alive then (the modules the pages use, their
    classes and functions: most of the process's objects, alive as long as it is) move to the garbage
    collector's permanent generation (gc.freeze). Python's full collections walk every object they track, so
    without this each one walks all of Streamlit, pandas, Altair and DuckDB's modules again, a pause in
    whichever page's run happens to trigger it; a page's own short-lived objects are still collected."""
    global _startup_frozen
    if not _startup_frozen:
        _startup_frozen = True
        gc.collect()  # what is already garbage is freed, not kept for ever
        gc.freeze()
        # at exit the collector sees them again, so that what they hold (DuckDB's connections) is released
        atexit.register(gc.unfreeze)


# --- language ---------------------------------------------------------------------------------------
def sync_language() -> None:
    """Adopt `?lang=` from the URL when given, else keep the session's language; then write it back to the
    URL, so every page's address says which language it shows (page switches drop query parameters)."""
    requested = st.query_params.get(L.LANG_KEY)
    if requested in L.LANGS:
        st.session_state[L.LANG_KEY] = requested
    st.session_state.setdefault(L.LANG_KEY, L.DEFAULT_LANG)
    if st.query_params.get(L.LANG_KEY) != st.session_state[L.LANG_KEY]:
        st.query_params[L.LANG_KEY] = st.session_state[L.LANG_KEY]


def _language_changed() -> None:
    st.session_state[L.LANG_KEY] = st.session_state["w_lang"]
    st.query_params[L.LANG_KEY] = st.session_state["w_lang"]


def language_switch() -> None:
    st.session_state["w_lang"] = L.lang()
    st.sidebar.radio(L.t("language"), L.LANGS, key="w_lang", horizontal=True, on_change=_language_changed,
                     format_func=lambda code: {"zh": "中文", "en": "English"}[code])


# --- filters ----------------------------------------------------------------------------------------
def _persisted_selectbox(label: str, options: Sequence, state_key: str, widget_key: str,
                         format_func: Callable, default) -> None:
    if st.session_state.get(state_key) not in options:
        st.session_state[state_key] = default
    st.session_state[widget_key] = st.session_state[state_key]

    def copy_back() -> None:
        st.session_state[state_key] = st.session_state[widget_key]

    st.sidebar.selectbox(label, options, key=widget_key, format_func=format_func, on_change=copy_back)


def filters() -> None:
    """Year, study level, province and city in the sidebar of every page: only the places in the viewer's scope
    are choices (an education department of one province: that province and its cities; the public: the
    region and its provinces)."""
    access = auth.access()
    years = queries.years()
    provinces = queries.provinces(access)
    cities = queries.cities(access)
    province_names = {**({ALL: ""} if access.sees_region else {}),
                      **dict(zip(provinces["province_name"], provinces[L.name_column("province")]))}
    city_names = dict(zip(cities["city_name"], cities[L.name_column("city")]))
    st.sidebar.subheader(L.t("filters"))
    default_year = queries.latest_complete_year() if years else None
    _persisted_selectbox(L.t("year"), list(reversed(years)), YEAR, "w_year", str,
                         default_year if default_year in years else (years[-1] if years else None))
    study_levels = queries.study_levels()
    level_names = {lv: L.study_level(lv) for lv in study_levels}
    default_level = settings.DEFAULT_STUDY_LEVEL if settings.DEFAULT_STUDY_LEVEL in study_levels else (
        study_levels[0] if study_levels else None)
    _persisted_selectbox(L.t("study_level"), study_levels, STUDY_LEVEL, "w_study_level", level_names.get,
                         default_level)
    # format functions read only prepared dicts: AppTest calls them after the run, outside its context
    if access.sees_region:
        province_names[ALL] = L.t("all_provinces")
    city_names[ALL] = L.t("all_cities")
    _persisted_selectbox(L.t("province"), list(province_names), PROVINCE, "w_province", province_names.get,
                         next(iter(province_names), ALL))
    province = st.session_state[PROVINCE]
    in_province = cities if not province else cities[cities["province_name"] == province]
    _persisted_selectbox(L.t("city"), [ALL, *in_province["city_name"]], CITY, "w_city", city_names.get, ALL)


def persisted_choice(label: str, options: list, names: dict, state_key: str):
    """A selectbox in the page whose value survives page switches (kept under a key no widget owns)."""
    if not options:
        st.caption(L.t("no_choice"))
        return None
    if st.session_state.get(state_key) not in options:
        st.session_state[state_key] = options[0]
    widget_key = f"w_{state_key}"
    st.session_state[widget_key] = st.session_state[state_key]

    def copy_back() -> None:
        st.session_state[state_key] = st.session_state[widget_key]

    st.selectbox(label, options, key=widget_key, format_func=lambda v: names.get(v, v), on_change=copy_back)
    return st.session_state[state_key]


@dataclass(frozen=True)
class Scope:
    """What the filters select: a year, a study level and one geography as the marts key it."""

    year: int
    study_level: str  # 专科 / 本科 / 研究生: the gap marts' `level`
    level: str  # region / province / city
    geography: str  # the marts' key: Chinese name, or the region's name
    place: str  # the geography's name in the page's language
    # the English names of the provinces and cities the viewer sees, read once per run (a page may name hundreds
    # of places: one query each would cost more than the page's own queries)
    provinces_en: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    cities_en: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def place_of(self, level: str, zh_name: str) -> str:
        return L.place(level, zh_name, self.provinces_en, self.cities_en)


def scope() -> Scope:
    """The place, year and level the filters select (the filters offer only places in the viewer's scope)."""
    year = int(st.session_state[YEAR])
    level, geography = queries.geography_of(st.session_state.get(PROVINCE) or None,
                                            st.session_state.get(CITY) or None)
    provinces = queries.provinces(auth.access())
    cities = queries.cities(auth.access())
    provinces_en = dict(zip(provinces["province_name"], provinces["province_name_en"]))
    cities_en = dict(zip(cities["city_name"], cities["city_name_en"]))
    place = L.place(level, geography, provinces_en, cities_en)
    study_level = st.session_state.get(STUDY_LEVEL) or settings.DEFAULT_STUDY_LEVEL
    return Scope(year, study_level, level, geography, place, provinces_en, cities_en)


# --- missing warehouse ------------------------------------------------------------------------------
def no_warehouse_page() -> None:
    st.title(L.t("no_warehouse_title"))
    st.info(L.t("no_warehouse_body", path=str(queries.warehouse_path())))


# --- tables -----------------------------------------------------------------------------------------
def display_frame(frame: pd.DataFrame, columns: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """Pick and rename columns for showing: `columns` is (header key in labels.COLUMNS, source column)."""
    out = pd.DataFrame({key: frame[source].to_numpy() for key, source in columns})
    for key in out.columns:
        if key in ("status", "city_status", "province_status", "status_before", "status_after"):
            out[key] = out[key].map(L.status)
        elif key == "card":
            out[key] = out[key].map(L.card)
        elif key == "card_statuses":
            out[key] = out[key].map(L.card_statuses)
    return out


#: column widths in pixels (Streamlit's column_config), so that a table's key columns fit a 1440 px window
#: without scrolling sideways: names wide enough to read, figures narrow, long reasons wide and wrapped
NAME_WIDTH, FIGURE_WIDTH, CODE_WIDTH, STATUS_WIDTH, REASON_WIDTH = 160, 105, 80, 90, 330
WIDTHS = {
    **dict.fromkeys(("major", "industry", "university", "enterprise", "base_name", "skill", "pillar"), NAME_WIDTH),
    **dict.fromkeys(("major_code", "industry_code", "university_code", "base_id", "year", "is_projection"),
                    CODE_WIDTH),
    **dict.fromkeys(("status", "city_status", "province_status", "status_before", "status_after", "card",
                     "advice"), STATUS_WIDTH),
    "reason": REASON_WIDTH,
}
#: long texts shown on several lines: a table with one of these has taller rows, which lets its cells wrap
WRAPPED = {"reason"}
WRAPPED_ROW_HEIGHT = 80  # Streamlit wraps text only in rows taller than 4rem (64 px): three lines


def _column_config(key: str, header: str, help_text: str | None = None):
    """How a column is shown: its number format (formatting.column_format), width and help tooltip."""
    number_format = formatting.column_format(key)
    width = WIDTHS.get(key, FIGURE_WIDTH if number_format else None)
    if number_format:
        return st.column_config.NumberColumn(header, format=number_format, width=width, help=help_text)
    return st.column_config.Column(header, width=width, help=help_text) if width or help_text else None


def _csv(frame: pd.DataFrame) -> bytes:
    return formatting.csv_bytes(frame)


def _xlsx(frame: pd.DataFrame) -> bytes:
    return formatting.xlsx_bytes(frame)


def table(frame: pd.DataFrame, columns: Sequence[tuple[str, str]], key: str, height: int | None = None,
          helps: dict[str, str] | None = None) -> None:
    """A table with localised headers and CSV / XLSX downloads of exactly what it shows; `helps` gives a header
    key the text its column's help tooltip shows (what the figure is, where a bare header could mislead)."""
    shown = display_frame(frame, columns)
    if shown.empty:
        st.caption(L.t("no_rows"))
        return
    headers = {k: L.column(k) for k in shown.columns}
    helps = helps or {}
    config = {headers[k]: c for k in shown.columns
              if (c := _column_config(k, headers[k], helps.get(k))) is not None}
    labelled = shown.rename(columns=headers)  # downloads: the raw numbers
    kwargs = {"height": height} if height else {}
    if WRAPPED & set(shown.columns):
        kwargs["row_height"] = WRAPPED_ROW_HEIGHT
    st.dataframe(formatting.table_values(shown).rename(columns=headers), hide_index=True, column_config=config,
                 width="stretch", placeholder=formatting.UNDEFINED, **kwargs)
    note = formatting.undefined_note(shown)
    if note:
        st.caption(note)
    buttons = st.container(horizontal=True)
    buttons.download_button(L.t("download_csv"), data=lambda: _csv(labelled), file_name=f"{key}.csv",
                         mime="text/csv", key=f"csv_{key}", on_click="ignore")
    buttons.download_button(
        L.t("download_xlsx"), data=lambda: _xlsx(labelled), file_name=f"{key}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"xlsx_{key}",
        on_click="ignore")


@st.cache_data(max_entries=200, show_spinner=False)
def _vega_lite_spec(chart_name: str, lang: str, *args, **kwargs) -> dict:
    """The Vega-Lite spec of one of `charts`' charts, built and validated by Altair once per input: building
    and validating a chart costs more than all the rest of a cached page. `lang` is part of the
    cache key because the charts' axis and legend texts are in the page's language."""
    return getattr(charts, chart_name)(*args, **kwargs).to_dict()


def chart(build: Callable[..., alt.TopLevelMixin], *args, **kwargs) -> None:
    """Draw `build(*args, **kwargs)`, one of the functions of `charts`."""
    st.vega_lite_chart(_vega_lite_spec(build.__name__, L.lang(), *args, **kwargs), width="stretch")


# --- printable report -------------------------------------------------------------------------------
def report_download(kind: str, key: str, year: int, study_level: str, access: Access, widget_key: str) -> None:
    """A button that makes the PDF report of a province or a university (dashboard/report.py) for the viewer,
    then offers it for download; making it takes seconds, so it is made on request, never on every run. The
    report's module (and its PDF library, slow to import) is imported on that request, not by the page."""
    made_key = f"report_{widget_key}"
    wanted = (kind, key, year, study_level, access, L.lang())
    if st.button(L.t("report_make"), key=f"w_{made_key}"):
        from dashboard import report

        try:
            st.session_state[made_key] = (wanted, report.report(kind, key, year, lang=L.lang(),
                                                                 study_level=study_level, access=access))
        except (report.FontMissing, ValueError) as error:
            st.warning(L.t("report_unavailable", error=L.plain(error)))
    made = st.session_state.get(made_key)
    if made and made[0] == wanted:
        st.download_button(L.t("report_download"), data=made[1], file_name=f"report-{key}-{year}.pdf",
                           mime="application/pdf", key=f"w_{made_key}_download", on_click="ignore")
