"""Data submitted through the browser (DESIGN.md "Portal state"): the Submit page's work apart from drawing it.

A submission becomes a file in the landing folder, under the submitter's own folder
(`<kind>/submissions/<role>-<scope>/`, sources/landing_folder.py), named by the time and its content, never by
the name it was uploaded under; the build reads it as any other file, with the same rules, and quarantines
rows outside the submitter's scope. Before that, the page shows what the loader makes of it (sources/preview.py).
Its status is the published warehouse's word: loaded in build X, or rejected and why (audit.load_log and
audit.rejected_files, matched by name and sha256); until then it is waiting.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dashboard import portal_state, settings
from dashboard.portal_state import DATA_STAFF, ENTERPRISE, UNIVERSITY, Submission, Viewer
from sources import settings as sources_settings
from sources.landing_folder import submission_folder
from sources.preview import Preview, preview_file
from sources.survey import SURVEY
from warehouse import settings as warehouse_settings

#: the source kinds each role may submit
KINDS_OF_ROLE = {
    UNIVERSITY: ("catalogue", "bases", "placements"),
    ENTERPRISE: ("survey",),
    DATA_STAFF: ("catalogue", "survey", "bases", "placements"),
}
#: the name a survey form's answers are recorded under in the submissions table
FORM_FILE_NAME = "survey-form-{year}.csv"


class SubmissionRefused(ValueError):
    """A file the page does not take at all (too large, not a source file type); `code` names its label."""

    def __init__(self, code: str, **values: object):
        self.code = code
        self.values = values
        super().__init__(code)


def may_submit(viewer: Viewer) -> bool:
    return viewer.role in KINDS_OF_ROLE


def max_upload_bytes() -> int:
    return settings.MAX_UPLOAD_MB * 1024 * 1024


def check_upload(file_name: str, data: bytes) -> str:
    """The suffix the file will be stored with; raises SubmissionRefused for a file too large or of a type the
    landing folder does not read (Streamlit checks both too; this holds whatever the server is told)."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in sources_settings.SOURCE_SUFFIXES:
        raise SubmissionRefused("submit_bad_type", types=", ".join(sources_settings.SOURCE_SUFFIXES))
    if len(data) > max_upload_bytes():
        raise SubmissionRefused("submit_too_large", mb=settings.MAX_UPLOAD_MB)
    if not data:
        raise SubmissionRefused("submit_empty")
    return suffix


def folder_of(viewer: Viewer, kind: str) -> str:
    if kind not in KINDS_OF_ROLE.get(viewer.role, ()):
        raise SubmissionRefused("submit_kind_not_yours")
    return submission_folder(kind, viewer.role, viewer.scope)


def stored_name(data: bytes, suffix: str, at: dt.datetime | None = None) -> str:
    """`20261207T123456123456Z_1a2b3c4d.csv`: later submissions sort after earlier ones, which is the order in
    which a later answer replaces an earlier one (docs/data-contracts.md, resubmissions)."""
    at = (at or portal_state.now()).astimezone(dt.UTC)
    return f"{at:%Y%m%dT%H%M%S%fZ}_{hashlib.sha256(data).hexdigest()[:8]}{suffix}"


@dataclass
class Checked:
    """An uploaded file as the loader sees it, before it is written anywhere."""

    kind: str
    file_name: str  # as uploaded, shown only
    folder: str
    name: str
    data: bytes
    sha256: str
    preview: Preview


#: turns to run a preview in this process, shared by every session of the server (settings.PREVIEWS_AT_ONCE). A
#: preview of an 8 MB workbook of 200,000 rows took 0.7 GB and 24 s; without a limit, a few people uploading at
#: once could stall the dashboard or run it out of memory for everybody
_preview_turns = threading.BoundedSemaphore(settings.PREVIEWS_AT_ONCE)


@contextmanager
def _preview_turn() -> Iterator[None]:
    """A turn to run a preview; when none is free within settings.PREVIEW_WAIT_SECONDS, SubmissionRefused
    (`submit_busy`: try again in a moment) rather than a queue that grows with every upload."""
    if not _preview_turns.acquire(timeout=settings.PREVIEW_WAIT_SECONDS):
        raise SubmissionRefused("submit_busy")
    try:
        yield
    finally:
        _preview_turns.release()


def check(viewer: Viewer, kind: str, file_name: str, data: bytes) -> Checked:
    """Run the loader over an uploaded file (raises SubmissionRefused for a file it is not to read at all, or
    while settings.PREVIEWS_AT_ONCE other previews are running).

    In this process, not a child with an address-space cap (RLIMIT_AS): that limit counts address space,
    not memory, and a preview reserves far more than it uses (a 9 MB CSV: 2.4 GB of address space for 0.3 GB
    resident, growing with DuckDB's threads, so with the machine's cores); capped at 1 GB that preview
    crashed the child with a segmentation fault instead of raising an error the page could show."""
    from warehouse.connection import writer

    suffix = check_upload(file_name, data)
    folder = folder_of(viewer, kind)
    name = stored_name(data, suffix)
    with _preview_turn():
        preview = preview_file(data, name, kind, folder, sources_settings.landing_dir(), writer,
                               warehouse_settings.warehouse_path())
    return Checked(kind, file_name, folder, name, data, hashlib.sha256(data).hexdigest(), preview)


def write_atomically(path: Path, data: bytes) -> None:
    """The file appears whole or not at all: written under a hidden name (the landing folder skips those), made
    durable, then renamed into place, so a build or the sensor never reads half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def confirm(viewer: Viewer, checked: Checked) -> Submission:
    """Write a checked file into the landing folder and record it; a file rejected whole is not written."""
    if checked.preview.rejected:
        raise SubmissionRefused("submit_rejected_not_written")
    stored_as = f"{checked.folder}/{checked.name}"
    write_atomically(sources_settings.landing_dir() / stored_as, checked.data)
    report = checked.preview.report
    return portal_state.record_submission(
        viewer.username, checked.kind, checked.file_name, stored_as, checked.sha256, len(checked.data),
        report.rows_read, report.rows_loaded, report.rows_quarantined)


# --- the enterprise survey form -------------------------------------------------------------------------
#: the form's fields in the survey contract's columns (the header is each column's Chinese name)
FORM_COLUMNS = ("survey_year", "enterprise_id", "enterprise_name", "industry_code", "province", "city", "position",
                "majors", "education", "headcount", "skills", "hosts_interns", "monthly_salary")
MAJOR_SEPARATOR = "、"
#: what the form offers as 学历要求 (the contract takes any text)
EDUCATION_LEVELS = ("本科", "专科", "硕士研究生", "博士研究生", "不限")
#: the form's choice for a level the warehouse keeps that is not itself a choice (研究生): chosen when such a
#: position is edited, it is read back as the same level (sources/macros.sql education_level_of)
EDUCATION_CHOICE_OF_LEVEL = {"研究生": "硕士研究生"}


def survey_year() -> int:
    """This year, in China's time."""
    return portal_state.now().astimezone(dt.timezone(dt.timedelta(hours=8))).year


def survey_rounds(latest_in_warehouse: int | None) -> list[int]:
    """The survey years the form answers for, the one it opens on first: the round the warehouse's picture is
    of (queries.latest_complete_year), which the other enterprises answered, so the answer joins the region's
    figures of that year; then this year, for an enterprise answering ahead of the next round. With no such
    year in the warehouse, this year only."""
    rounds = [latest_in_warehouse] if latest_in_warehouse is not None else []
    return rounds + [y for y in (survey_year(),) if y not in rounds]


def form_csv(viewer: Viewer, year: int, enterprise_name: str, industry_code: str, province: str, city: str,
             positions: list[dict]) -> bytes:
    """A survey file of the usual contract (docs/data-contracts.md) with the enterprise's positions; its credit
    code is the account's scope, never a field of the form."""
    headers = {c.name: c.chinese for c in SURVEY.columns}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([headers[c] for c in FORM_COLUMNS])
    for p in positions:
        writer.writerow([year, viewer.scope, enterprise_name, industry_code, province, city, p["position"],
                         MAJOR_SEPARATOR.join(p["majors"]), p["education"], p["headcount"], p.get("skills") or "",
                         # unknown stays unknown: a position taken over from a staff file that left it empty
                         # is not turned into a "no" by being submitted again
                         {True: "是", False: "否"}.get(p.get("hosts_interns"), ""),
                         "" if p.get("monthly_salary") in (None, "") else p["monthly_salary"]])
    return out.getvalue().encode("utf-8-sig")


def earlier_form(viewer: Viewer, year: int) -> dict | None:
    """The enterprise's latest form answers for the year, read back from its file in the landing folder (a file
    this module wrote), with that submission's `stored_as` and `status`, or None."""
    for submission in portal_state.list_submissions(viewer.username):
        if submission.file_name != FORM_FILE_NAME.format(year=year) or not submission.stored_as:
            continue
        try:
            text = (sources_settings.landing_dir() / submission.stored_as).read_text(encoding="utf-8-sig")
        except OSError:
            continue
        rows = list(csv.reader(io.StringIO(text)))[1:]
        if not rows:
            continue
        fields = [dict(zip(FORM_COLUMNS, row)) for row in rows]
        first = fields[0]
        return {
            "enterprise_name": first["enterprise_name"], "industry_code": first["industry_code"],
            "city": first["city"], "stored_as": submission.stored_as, "status": submission.status,
            "positions": [{"position": f["position"], "majors": [m for m in f["majors"].split(MAJOR_SEPARATOR) if m],
                           "education": f["education"], "headcount": int(f["headcount"]), "skills": f["skills"],
                           "hosts_interns": {"是": True, "否": False}.get(f["hosts_interns"]),
                           "monthly_salary": float(f["monthly_salary"]) if f["monthly_salary"] else None}
                          for f in fields],
        }
    return None


#: where the answer a form submission replaces stands: in the published warehouse, or in the enterprise's own
#: form submission that no build has loaded yet (it replaces the warehouse's answer at the next build)
ON_RECORD_WAREHOUSE, ON_RECORD_WAITING = "warehouse", "waiting"


def _missing(value: object) -> bool:
    """None, NaN or pandas' NA, as a query's frame gives an empty cell (a list cell, an array, is not one)."""
    try:
        return value is None or bool(value != value)
    except (TypeError, ValueError):  # pd.NA refuses bool(); so does an array
        return value is not None and str(value) == "<NA>"


def positions_of_answer(rows: list[dict]) -> list[dict]:
    """The form's positions from the warehouse's rows of an answer (queries.survey_answer, as records): the
    majors as codes, the education as the level the warehouse keeps (专科 / 本科 / 研究生 / 不限, which the
    loader reads back as the same level), an empty cell as not given."""
    return [{
        "position": row["position"],
        "majors": [] if _missing(row["major_codes"]) else [str(m) for m in row["major_codes"]],
        "education": None if _missing(row["education"]) else str(row["education"]),
        "headcount": int(row["headcount"]),
        "skills": "" if _missing(row["skills"]) else str(row["skills"]),
        "hosts_interns": None if _missing(row["hosts_interns"]) else bool(row["hosts_interns"]),
        "monthly_salary": None if _missing(row["monthly_salary"]) else float(row["monthly_salary"]),
    } for row in rows]


def starting_form(viewer: Viewer, year: int, record: dict | None, answer: list[dict],
                  answer_file: str | None) -> dict:
    """What the survey form for `year` starts from, and what submitting it replaces.

    An enterprise's answer for a year replaces its whole earlier answer for that year (docs/data-contracts.md,
    "Resubmissions"), whichever file that came from, its own or the data staff's: so the form starts from the
    answer that stands, for the enterprise to edit, never from nothing. That is its own form submission still
    waiting for a build (the next build makes it the answer), else the warehouse's positions (`answer`, from
    `answer_file`); a form file of its own that the warehouse's answer came from is read back instead of the
    rows, which keeps the education as chosen. The name, industry and city are the warehouse's `record` of the
    enterprise (its latest survey row: dims.enterprise), or the waiting form's; with neither, the account's
    name and no industry or city, for the enterprise to choose (the first option would be a wrong answer given
    for it).

    Returns enterprise_name, industry_code, city (None when unknown), positions, and `on_record`,
    `on_record_from`: how many positions the submission replaces, and where they stand (ON_RECORD_*; None when
    there are none)."""
    record = record or {}
    earlier = earlier_form(viewer, year)
    waiting = earlier is not None and earlier["status"] == portal_state.WAITING
    if earlier is not None and (waiting or (answer_file is not None and earlier["stored_as"] == answer_file)):
        positions = earlier["positions"]
    else:
        positions = positions_of_answer(answer)
    header = earlier if waiting else {
        "enterprise_name": record.get("enterprise_name"), "industry_code": record.get("industry_code"),
        "city": record.get("city_name")}
    header = {k: None if _missing(v) or v == "" else v for k, v in header.items()
              if k in ("enterprise_name", "industry_code", "city")}
    return {
        "enterprise_name": header["enterprise_name"] or viewer.display_name or viewer.scope,
        "industry_code": header["industry_code"], "city": header["city"],
        "positions": [dict(p) for p in positions],
        "on_record": len(positions),
        "on_record_from": (ON_RECORD_WAITING if waiting else ON_RECORD_WAREHOUSE) if positions else None,
    }


# --- status --------------------------------------------------------------------------------------------
def settle(submissions: list[Submission], published: dict[tuple[str, str], tuple], build_id: str | None,
           ) -> list[Submission]:
    """Record what the published build made of each waiting submission. `published` maps (file, sha256) to
    ('loaded', rows_read, rows_loaded, rows_quarantined, None) or ('rejected', None, None, None, reason), as
    audit.load_log and audit.rejected_files say. Returns the submissions as they now stand."""
    changed = False
    for s in submissions:
        found = published.get((s.stored_as, s.sha256))
        if s.status != portal_state.WAITING or found is None:
            continue
        status, read, loaded, quarantined, reason = found
        portal_state.settle_submission(s.id, status, build_id, reason,
                                       (read, loaded, quarantined) if status == "loaded" else None)
        changed = True
    return portal_state.list_submissions(submissions[0].username) if changed and submissions else submissions


# --- a build now --------------------------------------------------------------------------------------
def build_running() -> str | None:
    """Who holds the build lock of the published warehouse (a build is running), or None."""
    from warehouse.publication import lock_holder

    return lock_holder(warehouse_settings.warehouse_path().resolve())


def start_build() -> str | None:
    """Start `portal build` on the landing folder and warehouse this dashboard serves, in the background; None
    when started, else who holds the build lock (then nothing is started). Its output goes to
    `submitted-build.log` beside the warehouse."""
    holder = build_running()
    if holder is not None:
        return holder
    warehouse = warehouse_settings.warehouse_path().resolve()
    log = open(warehouse.parent / "submitted-build.log", "ab")  # noqa: SIM115 - the child writes it
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "build",
             "--landing", str(sources_settings.landing_dir().resolve()), "--warehouse", str(warehouse)],
            cwd=sources_settings.REPO_ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)  # not stopped with the dashboard's session or a Ctrl-C meant for it
    finally:
        log.close()
    threading.Thread(target=process.wait, daemon=True, name="portal-submitted-build").start()  # no zombie
    return None
