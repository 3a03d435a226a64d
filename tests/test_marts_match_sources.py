"""The marts agree with the source files: build the scale-1 demo through Dagster, then recompute every mart
figure in this file from the landing files, by hand, the way a planner would (shared/METRICS.md).

The expected numbers come from an independent reader written here with pandas: it does not
import the pipeline's readers, rules or SQL, only the reference CSVs both sides are defined against. Rows the
demo generator broke on purpose are listed in its `demo_manifest.json`; the reader drops rows that break the
documented rules (docs/data-contracts.md) by its own checks, and the test asserts that those rows, the
manifest's and the warehouse's quarantine are the same set.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "sources" / "reference"
SCALE, SEED = 1, 2026
SECRET = "test-only key of test_marts_match_sources"
REGION = "northeast"
SHORTAGE, SURPLUS = 1.25, 0.80  # METRICS.md defaults
MIN_DEMAND, MIN_SUPPLY = 20, 20  # METRICS.md v2 "Enough evidence" defaults
CARD_YEARS = 3  # METRICS.md v2 "Cards": the three latest survey years
RTOL, ATOL = 1e-9, 1e-12
MARTS = ("major_gap", "industry_gap", "internship_coverage", "base_utilisation", "pairing_suggestions",
         "major_cards", "major_industry_links", "skill_demand", "salary", "internship_figures", "headline",
         "enrolment")


# =====================================================================================================
# An independent reader of the landing folder (docs/data-contracts.md)
# =====================================================================================================
#: per kind, canonical column → (required?, the Chinese header docs/data-contracts.md gives for it)
COLUMNS: dict[str, dict[str, tuple[bool, tuple[str, ...]]]] = {
    "catalogue": {
        "year": (True, ("年份",)),
        "university_code": (True, ("院校代码",)),
        "university_name": (True, ("院校名称",)),
        "province": (True, ("省份",)),
        "city": (True, ("城市",)),
        "level": (True, ("培养层次",)),
        "major_code": (True, ("专业代码",)),
        "major_name": (True, ("专业名称",)),
        "enrolment": (True, ("招生人数",)),
        "graduates": (False, ("毕业生人数",)),
        "employed_in_province": (False, ("本省就业人数",)),
    },
    "survey": {
        "survey_year": (True, ("调查年份",)),
        "enterprise_id": (True, ("统一社会信用代码",)),
        "enterprise_name": (True, ("企业名称",)),
        "industry_code": (True, ("行业代码",)),
        "province": (True, ("省份",)),
        "city": (True, ("城市",)),
        "position": (True, ("岗位名称",)),
        "majors": (True, ("需求专业",)),
        "education": (True, ("学历要求",)),
        "headcount": (True, ("需求人数",)),
        "skills": (False, ("技能要求",)),
        "hosts_interns": (False, ("是否接收实习生",)),
        "monthly_salary": (False, ("月薪",)),
    },
    "bases": {
        "base_id": (True, ("基地编号",)),
        "base_name": (True, ("基地名称",)),
        "enterprise_id": (True, ("统一社会信用代码",)),
        "university_code": (True, ("院校代码",)),
        "city": (True, ("城市",)),
        "established_year": (True, ("建立年份",)),
        "capacity_per_year": (True, ("年接收能力",)),
    },
    "placements": {
        "year": (True, ("年份",)),
        "student_id": (True, ("学号",)),
        "student_name": (False, ("姓名",)),
        "id_number": (False, ("身份证号",)),
        "phone": (False, ("手机号",)),
        "university_code": (True, ("院校代码",)),
        "major_code": (True, ("专业代码",)),
        "base_id": (True, ("基地编号",)),
        "start_date": (True, ("开始日期",)),
        "end_date": (True, ("结束日期",)),
        "outcome": (True, ("实习结果",)),
        "internship_type": (False, ("实习类型",)),
        "organisation": (False, ("组织方式",)),
        "mode": (False, ("实习形式",)),
    },
}
PERSONAL = {"student_name", "id_number", "phone"}
KINDS = ("catalogue", "survey", "bases", "placements")
MIN_GROUP_SIZE = 5  # METRICS.md "Suppression"
USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
OUTCOMES = {"留用": "hired", "hired": "hired", "完成": "completed", "completed": "completed",
            "中止": "dropped", "dropped": "dropped"}
LEVEL_NAMES = {"本科": "本科", "bachelor": "本科", "专科": "专科", "高职": "专科", "vocational": "专科"}
PROJECTION_LAG = {"本科": 4, "专科": 3}
#: 学历要求 → minimum level (METRICS.md v2 "Levels"): the wordings docs/data-contracts.md lists
EDUCATION_LEVELS = {
    **dict.fromkeys(("专科", "大专", "高职", "专科及以上", "大专及以上"), "专科"),
    **dict.fromkeys(("本科", "本科及以上", "学士"), "本科"),
    **dict.fromkeys(("研究生", "硕士", "硕士研究生", "硕士及以上", "博士", "博士研究生"), "研究生"),
    **dict.fromkeys(("不限", "无要求", "学历不限"), "不限"),
}
YES_NO = {"是": True, "yes": True, "y": True, "1": True, "true": True,
          "否": False, "no": False, "n": False, "0": False, "false": False}


def nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value)


def header_key(header: object) -> str:
    """Headers compare without case, spaces, full-width forms or a trailing unit such as (人)."""
    text = nfkc(str(header if header is not None else "")).lower()
    text = re.sub(r"\([^)]*\)$", "", text.strip())
    return re.sub(r"[\s_]", "", text)


@functools.cache  # the same codes, years and dates recur on thousands of rows
def text(value: str | None) -> str | None:
    if value is None:
        return None
    folded = re.sub(r"\s+", " ", nfkc(value)).strip()
    return folded or None


@functools.cache
def code(value: str | None) -> str | None:
    if value is None:
        return None
    folded = re.sub(r"\s+", "", nfkc(value)).upper()
    folded = re.sub(r"\.0+$", "", folded)  # a code Excel stored as a number: 80902.0
    return folded or None


@functools.cache
def major_code(value: str | None) -> str | None:
    folded = code(value)
    if folded and re.fullmatch(r"[0-9]{5}[TK]{0,2}", folded):
        return "0" + folded  # Excel dropped the leading zero: 80902 is 080902
    return folded


@functools.cache
def whole_number(value: str | None) -> int | None:
    """A count as written ('120', '1,200', '120人', full-width digits); None when it is not one."""
    if value is None:
        return None
    folded = re.sub(r"[\s,人]", "", nfkc(value))
    folded = re.sub(r"\.0+$", "", folded)
    return int(folded) if re.fullmatch(r"-?[0-9]+", folded) else None


@functools.cache
def number(value: str | None) -> float | None:
    if value is None:
        return None
    folded = re.sub(r"[\s,元]|/月", "", nfkc(value))
    try:
        return float(folded)
    except ValueError:
        return None


@functools.cache
def year(value: str | None) -> int | None:
    folded = code(value)
    if folded is None or not re.fullmatch(r"[0-9]{4}", folded):
        return None
    return int(folded) if 1990 <= int(folded) <= 2100 else None


@functools.cache
def date(value: str | None) -> dt.date | None:
    """2023-07-01, 2023/7/1, 2023.7.1, 20230701, 2023年7月1日 or an Excel serial day number."""
    folded = code(value)
    if folded is None:
        return None
    if re.fullmatch(r"[0-9]{5}", folded):
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(folded))
    folded = re.sub(r"[T ]00:00:00$", "", folded)
    match = (re.fullmatch(r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?", folded)
             or re.fullmatch(r"([0-9]{4})([0-9]{2})([0-9]{2})", folded))
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def cell_text(value: object) -> str | None:
    """A spreadsheet cell as the text a person typed."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):  # as Excel shows it
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    result = str(value)
    return result if result.strip() else None


@dataclass
class Reference:
    """The bundled reference lists (plus the landing supplement of universities), as look-up maps."""

    universities: pd.DataFrame
    majors: pd.DataFrame
    crosswalk: pd.DataFrame
    industries: set[str]
    province_alias: dict[str, str]
    city_alias: dict[str, str]
    major_alias: dict[str, str]

    @classmethod
    def load(cls, landing: Path) -> Reference:
        def read(name: str, folder: Path = REFERENCE) -> pd.DataFrame:
            return pd.read_csv(folder / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")

        universities = read("universities.csv")
        supplement = landing / "reference" / "universities.csv"
        if supplement.is_file():
            extra = read("universities.csv", supplement.parent)
            extra = extra[~extra["university_code"].isin(universities["university_code"])]  # bundled wins
            universities = pd.concat([universities, extra[universities.columns]], ignore_index=True)
        provinces, cities, majors = read("provinces.csv"), read("cities.csv"), read("majors.csv")
        crosswalk = read("major_industry_crosswalk.csv")
        crosswalk["weight"] = crosswalk["weight"].astype(float)

        def aliases(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
            found: dict[str, set[str]] = {}
            for alias, name in pairs:
                if alias:
                    found.setdefault(alias.lower(), set()).add(name)
            return {alias: next(iter(names)) for alias, names in found.items() if len(names) == 1}

        province_alias = aliases(
            (alias, p.province_name)
            for p in provinces.itertuples()
            for alias in (p.province_name, p.province_name.removesuffix("省"), p.province_name_en,
                          p.province_name_en + " Province")
        )
        city_alias = aliases(
            (alias, c.city_name)
            for c in cities.itertuples()
            for alias in (c.city_name, c.city_name.removesuffix("市"), c.city_name_en, c.city_name_en + " City")
        )
        major_alias = aliases(
            (alias, m.major_code)
            for m in majors.itertuples()
            for alias in (m.major_code, m.major_name, m.major_name_en)
        )
        return cls(
            universities=universities.set_index("university_code"),
            majors=majors.set_index("major_code"),
            crosswalk=crosswalk[["major_code", "industry_code", "weight"]],
            industries=set(read("industries.csv")["industry_code"]),
            province_alias=province_alias,
            city_alias=city_alias,
            major_alias=major_alias,
        )

    def industry(self, value: str | None) -> str | None:
        folded = code(value)
        if folded and re.fullmatch(r"[0-9]{2}", folded):  # division numbers are unique: 36 is C36
            folded = next((i for i in self.industries if i[1:] == folded), folded)
        return folded

    def major_list(self, value: str | None) -> list[str] | None:
        """Majors cell → distinct major codes in order; None when an element names no known major."""
        if value is None:
            return None
        codes: list[str] = []
        for element in re.split(r"[、;,/]", nfkc(value)):
            element = text(element)
            if element is None:
                continue
            resolved = self.major_alias.get(element.lower()) or self.major_alias.get(
                (major_code(element) or "").lower())
            if resolved is None:
                return None
            if resolved not in codes:
                codes.append(resolved)
        return codes or None


@dataclass
class Landing:
    """Every landing file read by this test: good rows per kind, and the rows and files it rejected."""

    good: dict[str, pd.DataFrame]
    bad_rows: dict[tuple[str, int], str]  # (file, row) → reason
    rejected_files: dict[str, str] = field(default_factory=dict)


def read_table(path: Path) -> list[tuple[int, list[str | None]]]:
    """(spreadsheet row number, cells as text) of every row of a CSV file or of an XLSX file's first sheet."""
    if path.suffix.lower() == ".xlsx":
        # pandas keeps empty rows (as NaN) with header=None, so row i of the frame is spreadsheet row i + 1
        sheet = pd.read_excel(path, sheet_name=0, header=None, dtype=object, engine="calamine")
        return [(n, [cell_text(v) for v in values])
                for n, values in enumerate(sheet.itertuples(index=False, name=None), start=1)]
    data = path.read_bytes()
    try:
        decoded = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        decoded = data.decode("gb18030")  # strictly: a wrong guess fails the test instead of corrupting names
    records = list(csv.reader(io.StringIO(decoded, newline="")))
    return [(n, [c if c.strip() else None for c in r]) for n, r in enumerate(records, start=1)]


def locate_header(kind: str, rows: list[tuple[int, list[str | None]]]) -> tuple[int, dict[str, int]]:
    """Index of the header row (the top row naming most known columns) and canonical name → column index."""
    accepted = {header_key(h): name for name, (_, headers) in COLUMNS[kind].items() for h in (name, *headers)}
    best, best_score = 0, -1
    for i, (_, cells) in enumerate(rows[:10]):
        score = sum(header_key(c) in accepted for c in cells if c)
        if score > best_score:
            best, best_score = i, score
    positions: dict[str, int] = {}
    for j, cell in enumerate(rows[best][1] if rows else []):
        name = accepted.get(header_key(cell)) if cell else None
        if name and name not in positions:
            positions[name] = j
    return best, positions


def read_landing(landing: Path, ref: Reference) -> Landing:
    result = Landing(good={}, bad_rows={})
    for kind in KINDS:
        frames: list[pd.DataFrame] = []
        seen_content: set[str] = set()
        folder = landing / kind
        paths = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in (".csv", ".txt", ".xlsx")
                       and not p.name.startswith((".", "~$"))) if folder.is_dir() else []
        for path in paths:
            shown = path.relative_to(landing).as_posix()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest in seen_content:
                result.rejected_files[shown] = "same content as an earlier file"
                continue
            try:
                rows = read_table(path)
            except (UnicodeDecodeError, OSError, ValueError) as err:
                result.rejected_files[shown] = f"unreadable: {err}"
                continue
            header_index, positions = locate_header(kind, rows)
            missing = [c for c, (required, _) in COLUMNS[kind].items()
                       if required and c not in positions and c not in PERSONAL]
            if not rows or missing:
                result.rejected_files[shown] = f"missing columns {missing}"
                continue
            seen_content.add(digest)
            width = len(rows[header_index][1])
            records = []
            for number_, cells in rows[header_index + 1:]:
                if not any(cells):
                    continue  # an empty spreadsheet row is layout, not data
                if path.suffix.lower() != ".xlsx" and len(cells) != width:
                    result.bad_rows[(shown, number_)] = f"{len(cells)} fields, header has {width}"
                    continue
                record = {c: (cells[j] if j < len(cells) else None) for c, j in positions.items() if c not in PERSONAL}
                records.append({"file": shown, "row": number_, **record})
            frame = pd.DataFrame.from_records(records)
            for column in COLUMNS[kind]:
                if column not in frame.columns and column not in PERSONAL:
                    frame[column] = None
            frames.append(frame)
        raw = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["file", "row"])
        good = VALIDATORS[kind](raw, ref, result)
        result.good[kind] = good.reset_index(drop=True)
    return result


def _apply_rules(raw: pd.DataFrame, kind: str, parsed: pd.DataFrame, rules: list[tuple[str, pd.Series]],
                 result: Landing) -> pd.DataFrame:
    """Record the first rule each row breaks; exact duplicates (every cell as written) of an earlier row of
    the same file are bad too. Returns the parsed good rows."""
    bad = pd.Series([None] * len(raw), index=raw.index, dtype=object)
    for reason, broken in rules:
        bad = bad.where(bad.notna() | ~broken.fillna(False).astype(bool), reason)
    stored = [c for c in COLUMNS[kind] if c not in PERSONAL]
    duplicate = raw.fillna("\x00").duplicated(subset=["file", *stored], keep="first")
    bad = bad.where(bad.notna() | ~duplicate, "exact duplicate")
    for (file, row), reason in zip(zip(raw["file"], raw["row"], strict=True), bad, strict=True):
        if reason is not None:
            result.bad_rows[(file, int(row))] = reason
    return parsed[bad.isna()].copy()


def _missing(raw: pd.DataFrame, column: str) -> pd.Series:
    return raw[column].map(lambda v: v is None or not str(v).strip())


def _check(raw: pd.DataFrame, column: str, ok: pd.Series, required: bool = True) -> list:
    """Rules for one column: missing when required; else its parsed value must be valid."""
    rules = [(f"{column}: missing", _missing(raw, column))] if required else []
    return rules + [(f"{column}: invalid", ~_missing(raw, column) & ~ok)]


def validate_catalogue(raw: pd.DataFrame, ref: Reference, result: Landing) -> pd.DataFrame:
    p = pd.DataFrame({"file": raw["file"], "row": raw["row"]})
    p["year"] = raw["year"].map(year)
    p["university_code"] = raw["university_code"].map(code)
    p["province"] = raw["province"].map(lambda v: ref.province_alias.get((text(v) or "").lower()))
    p["city"] = raw["city"].map(lambda v: ref.city_alias.get((text(v) or "").lower()))
    p["level"] = raw["level"].map(lambda v: LEVEL_NAMES.get((text(v) or "").lower()))
    p["major_code"] = raw["major_code"].map(major_code)
    for column in ("enrolment", "graduates", "employed_in_province"):
        p[column] = raw[column].map(whole_number).astype("Int64")
    rules = (
        _check(raw, "year", p["year"].notna())
        + _check(raw, "university_code", p["university_code"].isin(ref.universities.index))
        + _check(raw, "university_name", pd.Series(True, index=raw.index))
        + _check(raw, "province", p["province"].notna())
        + _check(raw, "city", p["city"].notna())
        + _check(raw, "level", p["level"].notna())
        + _check(raw, "major_code", p["major_code"].isin(ref.majors.index))
        + _check(raw, "major_name", pd.Series(True, index=raw.index))
        + _check(raw, "enrolment", p["enrolment"].fillna(-1) >= 0)
        + _check(raw, "graduates", p["graduates"].fillna(-1) >= 0, required=False)
        + _check(raw, "employed_in_province", p["employed_in_province"].fillna(-1) >= 0, required=False)
        + [("employed_in_province > graduates",
            (p["employed_in_province"] > p["graduates"]).fillna(False).astype(bool))]
    )
    return _apply_rules(raw, "catalogue", p, rules, result)


def validate_survey(raw: pd.DataFrame, ref: Reference, result: Landing) -> pd.DataFrame:
    p = pd.DataFrame({"file": raw["file"], "row": raw["row"]})
    p["year"] = raw["survey_year"].map(year)
    p["enterprise_id"] = raw["enterprise_id"].map(code)
    p["enterprise_name"] = raw["enterprise_name"].map(text)
    p["industry_code"] = raw["industry_code"].map(ref.industry)
    p["province"] = raw["province"].map(lambda v: ref.province_alias.get((text(v) or "").lower()))
    p["city"] = raw["city"].map(lambda v: ref.city_alias.get((text(v) or "").lower()))
    p["majors"] = raw["majors"].map(ref.major_list)
    p["headcount"] = raw["headcount"].map(whole_number).astype("Int64")
    p["education"] = raw["education"].map(lambda v: EDUCATION_LEVELS.get(text(v) or ""))
    hosts = raw["hosts_interns"].map(lambda v: YES_NO.get((code(v) or "").lower()))
    p["hosts_interns"] = hosts
    salary = raw["monthly_salary"].map(number)
    p["skills"] = raw["skills"].map(text) if "skills" in raw else None
    p["monthly_salary"] = salary
    rules = (
        _check(raw, "survey_year", p["year"].notna())
        + _check(raw, "enterprise_id", p["enterprise_id"].map(lambda v: bool(v and USCC.match(v))))
        + _check(raw, "enterprise_name", pd.Series(True, index=raw.index))
        + _check(raw, "industry_code", p["industry_code"].isin(ref.industries))
        + _check(raw, "province", p["province"].notna())
        + _check(raw, "city", p["city"].notna())
        + _check(raw, "position", pd.Series(True, index=raw.index))
        + _check(raw, "majors", p["majors"].notna())
        + _check(raw, "education", p["education"].notna())
        + _check(raw, "headcount", p["headcount"].fillna(-1) >= 0)
        + _check(raw, "hosts_interns", hosts.notna(), required=False)
        + _check(raw, "monthly_salary", salary.fillna(-1) >= 0, required=False)
    )
    return _apply_rules(raw, "survey", p, rules, result)


def validate_bases(raw: pd.DataFrame, ref: Reference, result: Landing) -> pd.DataFrame:
    p = pd.DataFrame({"file": raw["file"], "row": raw["row"]})
    p["base_id"] = raw["base_id"].map(text)
    p["enterprise_id"] = raw["enterprise_id"].map(code)
    p["university_code"] = raw["university_code"].map(code)
    p["city"] = raw["city"].map(lambda v: ref.city_alias.get((text(v) or "").lower()))
    p["established_year"] = raw["established_year"].map(year)
    p["capacity_per_year"] = raw["capacity_per_year"].map(whole_number).astype("Int64")
    # a base id is a key: a second row of the file with the same id is bad
    repeated_id = p.duplicated(subset=["file", "base_id"], keep="first") & p["base_id"].notna()
    rules = (
        _check(raw, "base_id", pd.Series(True, index=raw.index))
        + _check(raw, "base_name", pd.Series(True, index=raw.index))
        + _check(raw, "enterprise_id", p["enterprise_id"].map(lambda v: bool(v and USCC.match(v))))
        + _check(raw, "university_code", p["university_code"].isin(ref.universities.index))
        + _check(raw, "city", p["city"].notna())
        + _check(raw, "established_year", p["established_year"].notna())
        + _check(raw, "capacity_per_year", p["capacity_per_year"].fillna(-1) >= 0)
        + [("base id repeated in the file", repeated_id)]
    )
    return _apply_rules(raw, "bases", p, rules, result)


#: METRICS.md v2 "Internship types": first matching wording wins; anything else is a production internship
INTERNSHIP_TYPES = (("认识", "cognitive"), ("认知", "cognitive"), ("毕业", "graduation"), ("岗位", "graduation"),
                    ("顶岗", "graduation"), ("生产", "production"), ("专业实习", "production"))


def internship_type(value: str | None) -> str:
    written = text(value) or ""
    return next((t for part, t in INTERNSHIP_TYPES if part in written), "production")


def validate_placements(raw: pd.DataFrame, ref: Reference, result: Landing) -> pd.DataFrame:
    p = pd.DataFrame({"file": raw["file"], "row": raw["row"]})
    p["year"] = raw["year"].map(year)
    p["university_code"] = raw["university_code"].map(code)
    p["student"] = raw["student_id"].map(code)  # a student is (university_code, student number)
    p["major_code"] = raw["major_code"].map(major_code)
    p["base_id"] = raw["base_id"].map(text)
    p["start_date"] = raw["start_date"].map(date)
    p["end_date"] = raw["end_date"].map(date)
    p["outcome"] = raw["outcome"].map(lambda v: OUTCOMES.get((text(v) or "").lower()))
    p["internship_type"] = (raw["internship_type"].map(internship_type) if "internship_type" in raw
                            else "production")
    known_bases = set(result.good["bases"]["base_id"])
    ends_before = pd.Series(
        [bool(s and e and e < s) for s, e in zip(p["start_date"], p["end_date"], strict=True)], index=raw.index)
    rules = (
        _check(raw, "year", p["year"].notna())
        + _check(raw, "student_id", pd.Series(True, index=raw.index))
        + _check(raw, "university_code", p["university_code"].isin(ref.universities.index))
        + _check(raw, "major_code", p["major_code"].isin(ref.majors.index))
        + _check(raw, "base_id", pd.Series(True, index=raw.index))
        + _check(raw, "start_date", p["start_date"].notna())
        + _check(raw, "end_date", p["end_date"].notna())
        + _check(raw, "outcome", p["outcome"].notna())
        + [("end date before start date", ends_before),
           ("unknown base", ~p["base_id"].isin(known_bases) & ~_missing(raw, "base_id"))]
    )
    return _apply_rules(raw, "placements", p, rules, result)


VALIDATORS = {"catalogue": validate_catalogue, "survey": validate_survey, "bases": validate_bases,
              "placements": validate_placements}


# =====================================================================================================
# The metrics of shared/METRICS.md, computed from the frames above
# =====================================================================================================
def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, undefined (NaN) where the denominator is 0 or unknown."""
    den = denominator.astype(float)
    return (numerator.astype(float) / den).where(den > 0)


def market_status(level: str, supply: float, demand: float, alignment: float) -> str:
    """METRICS.md v2: a labour market's (province's, region's) status for one major or division and level."""
    if level == "研究生":
        return "insufficient_data"  # the catalogues give no graduate-level supply to set it against
    if supply == 0 and demand > 0:
        return "unserved" if demand >= MIN_DEMAND else "insufficient_data"
    if demand == 0 and supply > 0:
        return "no_demand" if supply >= MIN_SUPPLY else "insufficient_data"
    if demand < MIN_DEMAND or supply < MIN_SUPPLY:
        return "insufficient_data"
    if alignment >= SHORTAGE:
        return "shortage"
    return "surplus" if alignment <= SURPLUS else "balanced"


def by_geography(frame: pd.DataFrame, keys: list[str], values: dict[str, str]) -> pd.DataFrame:
    """Sum city-level rows (with city and province columns) to city, province and the region; `market` is
    the labour market whose status a row shows: a city's province, else the geography itself."""
    parts = []
    for level, column in (("city", "city"), ("province", "province"), ("region", None)):
        geo = frame.assign(geography=frame[column] if column else REGION, geography_level=level)
        geo["market"] = geo["province"] if level == "city" else geo["geography"]
        parts.append(geo.groupby(["geography_level", "geography", "market", *keys], as_index=False).agg(values))
    return pd.concat(parts, ignore_index=True)


def gap_table(supply: pd.DataFrame, demand: pd.DataFrame, item: str) -> pd.DataFrame:
    """Gap, shares, alignment and status per (geography, level, year, item) from supply and demand by
    geography: markets judged on their own figures, a city showing its province's status, or imports where
    it has demand and no graduates of its own while its province has some."""
    keys = ["geography_level", "geography", "market", "level", "year", item]
    joined = supply.merge(demand, on=keys, how="outer")
    joined["supply"] = joined["supply"].fillna(0.0)
    joined["demand"] = joined["demand"].fillna(0.0)
    joined["is_projection"] = joined["is_projection"].eq(True)
    group = joined.groupby(["geography_level", "geography", "level", "year"])
    joined["supply_share"] = ratio(joined["supply"], group["supply"].transform("sum"))
    joined["demand_share"] = ratio(joined["demand"], group["demand"].transform("sum"))
    joined["is_projection"] = group["is_projection"].transform("any")
    joined["gap"] = joined["demand"] - joined["supply"]
    joined["alignment"] = ratio(joined["demand_share"], joined["supply_share"])
    markets = joined[joined["geography_level"] != "city"].copy()
    markets["market_status"] = [market_status(*r) for r in zip(
        markets["level"], markets["supply"], markets["demand"], markets["alignment"], strict=True)]
    market_keys = ["market", "level", "year", item]
    joined = joined.merge(markets[market_keys + ["supply", "market_status"]].rename(
        columns={"supply": "market_supply"}), on=market_keys, how="left")
    imports = ((joined["geography_level"] == "city") & (joined["supply"] == 0) & (joined["demand"] > 0)
               & (joined["market_supply"] > 0))
    joined["status"] = joined["market_status"].where(~imports, "imports")
    return joined


@dataclass
class Expected:
    supply_rows: pd.DataFrame  # per university, major, year, level: supply and whether projected
    catalogue: pd.DataFrame  # one row per (year, university, major, level) after resubmissions
    demand_rows: pd.DataFrame  # survey rows with headcount, exploded per major with its share
    major_gap: pd.DataFrame
    industry_gap: pd.DataFrame
    internship_coverage: pd.DataFrame
    base_utilisation: pd.DataFrame
    bases: pd.DataFrame  # one row per base id (a later file in name order replaces an earlier one)
    internship_figures: pd.DataFrame  # per geography, level, year, and major (NaN: all the level's majors)


def compute_expected(landing: Landing, ref: Reference) -> Expected:
    # --- supply: one figure per (year, university, major, level); a resubmitted row (a later file in name
    # order, or a later row) replaces an earlier one
    catalogue = (landing.good["catalogue"].sort_values(["file", "row"])
                 .drop_duplicates(["year", "university_code", "major_code", "level"], keep="last"))
    located = catalogue.merge(ref.universities[["province_name", "city_name"]], left_on="university_code",
                              right_index=True, how="left")
    # the register decides where a university is; its own columns only when it is not registered
    catalogue = located.assign(
        province=located["province_name"].fillna(located["province"]),
        city=located["city_name"].fillna(located["city"]),
    ).drop(columns=["province_name", "city_name"])
    earlier = catalogue[["university_code", "major_code", "level", "year", "enrolment"]].rename(
        columns={"year": "cohort_year", "enrolment": "projected"})
    with_lag = catalogue.assign(cohort_year=catalogue["year"] - catalogue["level"].map(PROJECTION_LAG))
    with_lag = with_lag.merge(earlier, on=["university_code", "major_code", "level", "cohort_year"], how="left")
    with_lag["is_projection"] = with_lag["graduates"].isna()
    with_lag["supply"] = with_lag["graduates"].fillna(with_lag["projected"]).astype(float)
    supply_rows = with_lag[with_lag["supply"].notna()].copy()

    # --- demand: headcount / k to each of the k (distinct) majors of a row
    survey = landing.good["survey"].copy()
    survey["k"] = survey["majors"].map(len)
    demand_rows = survey.explode("majors").rename(columns={"majors": "major_code"})
    demand_rows["share"] = demand_rows["headcount"].astype(float) / demand_rows["k"]
    # a position counts against the graduates of its minimum level; 不限 toward 专科 (the first that qualifies)
    level_of = {"不限": "专科"}
    demand_rows["level"] = demand_rows["education"].map(lambda e: level_of.get(e, e))
    survey["level"] = survey["education"].map(lambda e: level_of.get(e, e))

    # --- major gap
    supply_geo = by_geography(supply_rows, ["level", "year", "major_code"], {"supply": "sum", "is_projection": "any"})
    demand_geo = by_geography(demand_rows.rename(columns={"share": "demand"}), ["level", "year", "major_code"],
                              {"demand": "sum"})
    major_gap = gap_table(supply_geo, demand_geo, "major_code")

    # --- industry gap: supply spread by the crosswalk weights, demand = headcount by the row's division
    spread = supply_rows.merge(ref.crosswalk, on="major_code", how="inner")
    spread["supply"] = spread["supply"] * spread["weight"]
    supply_d = by_geography(spread, ["level", "year", "industry_code"], {"supply": "sum", "is_projection": "any"})
    demand_d = by_geography(survey.assign(demand=survey["headcount"].astype(float)),
                            ["level", "year", "industry_code"], {"demand": "sum"})
    industry_gap = gap_table(supply_d, demand_d, "industry_code")

    # --- internships
    bases = (landing.good["bases"].sort_values(["file", "row"]).drop_duplicates("base_id", keep="last"))
    divisions = survey.groupby("enterprise_id")["industry_code"].agg(lambda s: sorted(set(s)))
    enterprise_division = {e: d[0] for e, d in divisions.items() if len(d) == 1}
    ambiguous = {e: d for e, d in divisions.items() if len(d) > 1}
    assert not ambiguous or not set(ambiguous) & set(bases["enterprise_id"]), (
        f"base enterprises with several divisions in the surveys: {ambiguous}")
    placements = landing.good["placements"].merge(
        bases[["base_id", "enterprise_id", "capacity_per_year"]], on="base_id", how="left")
    placements["division"] = placements["enterprise_id"].map(enterprise_division)
    relevant_pairs = set(map(tuple, ref.crosswalk.loc[ref.crosswalk["weight"] > 0,
                                                      ["major_code", "industry_code"]].to_numpy()))
    asked = set(zip(demand_rows["enterprise_id"], demand_rows["major_code"], strict=True))  # any survey year
    placements["relevance"] = [
        "unknown" if not isinstance(d, str) else "relevant" if (m, d) in relevant_pairs or (e, m) in asked
        else "not_relevant"
        for m, d, e in zip(placements["major_code"], placements["division"], placements["enterprise_id"],
                           strict=True)]
    placements["student_key"] = list(zip(placements["university_code"], placements["student"], strict=True))
    # cognitive visits are no placements (METRICS.md v2)
    placements = placements[placements["internship_type"] != "cognitive"].copy()
    graduation = placements["internship_type"] == "graduation"
    placements["grad_hired"] = graduation & (placements["outcome"] == "hired")
    placements["grad_completed"] = graduation & (placements["outcome"] == "completed")
    # a placement's level is its major's (the register names none); graduates have their catalogue's level
    placements["level"] = placements["major_code"].map(ref.majors["level"])
    keys = ["university_code", "major_code", "level", "year"]
    placed = placements.groupby(keys).agg(
        placements=("student_key", "nunique"),
        placement_rows=("student_key", "size"),
        relevant_rows=("relevance", lambda s: int((s == "relevant").sum())),
        not_relevant_rows=("relevance", lambda s: int((s == "not_relevant").sum())),
        unknown_relevance_rows=("relevance", lambda s: int((s == "unknown").sum())),
        hired_rows=("grad_hired", "sum"),
        completed_rows=("grad_completed", "sum"),
        dropped_rows=("outcome", lambda s: int((s == "dropped").sum())),
    )
    actual = catalogue[catalogue["graduates"].notna()]
    graduates = actual.groupby(keys).agg(
        graduates=("graduates", "sum"),
        employed_in_province=("employed_in_province", lambda s: s.sum(min_count=1)),
    )
    coverage = graduates.join(placed, how="outer").reset_index()
    counts = ("placements", "placement_rows", "relevant_rows", "not_relevant_rows", "unknown_relevance_rows",
              "hired_rows", "completed_rows", "dropped_rows")
    for column in counts:
        coverage[column] = coverage[column].fillna(0)
    coverage["coverage"] = ratio(coverage["placements"], coverage["graduates"])
    coverage["relevance"] = ratio(coverage["relevant_rows"], coverage["relevant_rows"] + coverage["not_relevant_rows"])
    coverage["relevance_unknown_share"] = ratio(coverage["unknown_relevance_rows"], coverage["placement_rows"])
    coverage["conversion"] = ratio(coverage["hired_rows"], coverage["hired_rows"] + coverage["completed_rows"])
    coverage["retention"] = ratio(coverage["employed_in_province"], coverage["graduates"])
    # the students placed, kept whole for the unplaced pools (a pool is no figure shown per group)
    coverage["students_placed"] = coverage["placements"]
    internship_figures = internship_rollup(coverage.copy(), ref)
    # METRICS.md "Suppression": 1 to 4 students placed show no placement figures
    small = coverage["placements"].between(1, MIN_GROUP_SIZE - 1)
    for column in (*counts, "coverage", "relevance", "relevance_unknown_share", "conversion"):
        coverage.loc[small, column] = np.nan

    # utilisation per base and year: every year the placement data covers, from the base's founding on
    rows_per_year = placements.groupby(["base_id", "year"]).size().rename("placements").reset_index()
    years = sorted(placements["year"].unique())
    grid = bases[["base_id", "established_year", "capacity_per_year"]].merge(
        pd.DataFrame({"year": years}), how="cross")
    grid = grid.merge(rows_per_year, on=["base_id", "year"], how="left")
    grid = grid[(grid["year"] >= grid["established_year"]) | grid["placements"].notna()].copy()
    grid["placements"] = grid["placements"].fillna(0)
    grid["utilisation"] = ratio(grid["placements"], grid["capacity_per_year"])
    small = grid["placements"].between(1, MIN_GROUP_SIZE - 1)
    grid.loc[small, ["placements", "utilisation"]] = np.nan
    return Expected(supply_rows, catalogue, demand_rows, major_gap, industry_gap, coverage,
                    grid.rename(columns={"capacity_per_year": "capacity"}), bases, internship_figures)


def internship_rollup(counts: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """METRICS.md "Internships" for a city, a province and the region, per level and year, per major and over
    all the level's majors: ratios of the sums of the per-university counts (unsuppressed), coverage over the
    placements of university-majors with graduates, then small groups suppressed."""
    where = ref.universities[["province_name", "city_name"]]
    counts = counts.merge(where, left_on="university_code", right_index=True, how="left").rename(
        columns={"province_name": "province", "city_name": "city"})
    counts["covered"] = counts["placements"].where(counts["graduates"] > 0, 0)
    counts["reporting"] = counts["graduates"].where(counts["employed_in_province"].notna())
    sums = {c: "sum" for c in ("graduates", "placements", "covered", "placement_rows", "relevant_rows",
                               "not_relevant_rows", "unknown_relevance_rows", "hired_rows", "completed_rows",
                               "employed_in_province", "reporting")}
    per_major = by_geography(counts, ["level", "year", "major_code"], sums)
    all_majors = by_geography(counts, ["level", "year"], sums).assign(major_code=np.nan)
    rolled = pd.concat([per_major, all_majors], ignore_index=True)
    rolled["coverage"] = ratio(rolled["covered"], rolled["graduates"])
    rolled["relevance"] = ratio(rolled["relevant_rows"], rolled["relevant_rows"] + rolled["not_relevant_rows"])
    rolled["relevance_unknown_share"] = ratio(rolled["unknown_relevance_rows"], rolled["placement_rows"])
    rolled["conversion"] = ratio(rolled["hired_rows"], rolled["hired_rows"] + rolled["completed_rows"])
    rolled["retention"] = ratio(rolled["employed_in_province"], rolled["reporting"])
    small = rolled["placements"].between(1, MIN_GROUP_SIZE - 1)
    rolled.loc[small, ["placements", "coverage", "relevance", "relevance_unknown_share", "conversion"]] = np.nan
    return rolled


# =====================================================================================================
# Comparison
# =====================================================================================================
def _keyset(frame: pd.DataFrame, keys: list[str]) -> set[tuple]:
    return set(frame[keys].itertuples(index=False, name=None))


def assert_same(name: str, expected: pd.DataFrame, actual: pd.DataFrame, keys: list[str],
                numeric: list[str], exact: tuple[str, ...] = ()) -> None:
    """Same key set, numbers within RTOL (both undefined counts as equal), `exact` columns equal."""
    want, got = _keyset(expected, keys), _keyset(actual, keys)
    assert want == got, (
        f"{name}: keys differ ({len(want - got)} expected but missing, e.g. {sorted(want - got)[:5]}; "
        f"{len(got - want)} unexpected, e.g. {sorted(got - want)[:5]})")
    assert len(got) == len(actual), f"{name}: duplicate keys in the mart"
    merged = expected[keys + numeric + list(exact)].merge(
        actual[keys + numeric + list(exact)], on=keys, suffixes=("_expected", "_actual"))
    problems = []
    for column in numeric:
        e = merged[f"{column}_expected"].astype(float)
        a = merged[f"{column}_actual"].astype(float)
        undefined_mismatch = e.isna() != a.isna()
        off = ~np.isclose(a.fillna(0), e.fillna(0), rtol=RTOL, atol=ATOL) | undefined_mismatch
        if off.any():
            worst = (a - e).abs().max()
            sample = merged.loc[off, keys + [f"{column}_expected", f"{column}_actual"]].head(5)
            problems.append(f"{column}: {int(off.sum())} of {len(merged)} rows differ (max abs diff {worst}), "
                            f"e.g.\n{sample.to_string(index=False)}")
    for column in exact:
        off = merged[f"{column}_expected"].astype(object) != merged[f"{column}_actual"].astype(object)
        if off.any():
            sample = merged.loc[off, keys + [f"{column}_expected", f"{column}_actual"]].head(5)
            problems.append(f"{column}: {int(off.sum())} of {len(merged)} rows differ, e.g.\n"
                            f"{sample.to_string(index=False)}")
    assert not problems, f"{name} does not match the source files:\n" + "\n".join(problems)


# =====================================================================================================
# Fixtures: one build of the demo for the whole module
# =====================================================================================================
@dataclass
class Build:
    landing: Path
    manifest: dict
    marts: dict[str, pd.DataFrame]
    quarantine: pd.DataFrame
    rejected_files: pd.DataFrame


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    from pipelines.build import run_build
    from sources.demo.generator import generate

    root = tmp_path_factory.mktemp("marts_match_sources")
    landing, warehouse, dagster_home = root / "landing", root / "portal.duckdb", root / "dagster_home"
    dagster_home.mkdir()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PORTAL_LANDING", str(landing))
        env.setenv("PORTAL_WAREHOUSE", str(warehouse))
        env.setenv("PORTAL_SECRET", SECRET)
        env.setenv("DAGSTER_HOME", str(dagster_home))
        generate(landing, scale=SCALE, seed=SEED)
        outcome = run_build()
    assert outcome.published, f"the demo build was not published: {outcome.failure}\n" + "\n".join(
        outcome.file_lines + outcome.check_lines)
    manifest = json.loads((landing / "demo_manifest.json").read_text(encoding="utf-8"))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        marts = {t: con.execute(f"SELECT * FROM marts.{t}").df() for t in MARTS}
        quarantine = con.execute("SELECT file, row_number, column_name, reason FROM audit.quarantine").df()
        rejected = con.execute("SELECT * FROM audit.rejected_files").df()
    return Build(landing, manifest, marts, quarantine, rejected)


@pytest.fixture(scope="module")
def reference(build: Build) -> Reference:
    return Reference.load(build.landing)


@pytest.fixture(scope="module")
def sources(build: Build, reference: Reference) -> Landing:
    return read_landing(build.landing, reference)


@pytest.fixture(scope="module")
def expected(sources: Landing, reference: Reference) -> Expected:
    return compute_expected(sources, reference)


# =====================================================================================================
# Tests
# =====================================================================================================
def test_quarantine_is_exactly_the_rows_that_break_the_rules(build: Build, sources: Landing) -> None:
    """The generator's manifest, this reader's own rule checks and the warehouse's quarantine agree row for row."""
    manifest = {(b["file"], int(b["row"])) for b in build.manifest["bad_rows"]}
    quarantined = set(zip(build.quarantine["file"], build.quarantine["row_number"].astype(int), strict=True))
    assert manifest, "the demo should carry deliberately bad rows"
    assert set(sources.bad_rows) == manifest, (
        f"rows this test finds bad but the manifest does not list: {sorted(set(sources.bad_rows) - manifest)}; "
        f"listed but not found bad: {sorted(manifest - set(sources.bad_rows))}")
    assert quarantined == manifest, (
        f"quarantined but not in the manifest: {sorted(quarantined - manifest)}; "
        f"in the manifest but not quarantined: {sorted(manifest - quarantined)}")
    written = {(b["file"], int(b["row"])): b["column"] or "*" for b in build.manifest["bad_rows"]}
    blamed = dict(zip(zip(build.quarantine["file"], build.quarantine["row_number"].astype(int), strict=True),
                      build.quarantine["column_name"], strict=True))
    wrong_column = {k: (written[k], blamed[k]) for k in written if written[k] != blamed[k]}
    assert not wrong_column, f"quarantine blames another column than the manifest (manifest, quarantine): {wrong_column}"
    assert set(sources.rejected_files) == set(build.rejected_files["file"]), (
        f"files this test cannot load: {sources.rejected_files}; files the warehouse rejected: "
        f"{build.rejected_files[['file', 'reason']].to_dict('records')}")


def test_major_gap_matches_sources(build: Build, expected: Expected) -> None:
    assert_same(
        "marts.major_gap", expected.major_gap, build.marts["major_gap"],
        keys=["geography_level", "geography", "level", "year", "major_code"],
        numeric=["supply", "demand", "gap", "supply_share", "demand_share", "alignment"],
        exact=("market", "status", "is_projection"),
    )
    statuses = set(build.marts["major_gap"]["status"])
    assert {"shortage", "balanced", "surplus", "imports", "insufficient_data"} <= statuses, statuses
    assert set(build.marts["major_gap"]["level"]) == {"专科", "本科", "研究生"}, (
        "the demo asks for technicians, bachelors and masters")


def test_industry_gap_matches_sources(build: Build, expected: Expected) -> None:
    assert_same(
        "marts.industry_gap", expected.industry_gap, build.marts["industry_gap"],
        keys=["geography_level", "geography", "level", "year", "industry_code"],
        numeric=["supply", "demand", "gap", "supply_share", "demand_share", "alignment"],
        exact=("status", "is_projection"),
    )


def test_internship_coverage_matches_sources(build: Build, expected: Expected) -> None:
    assert_same(
        "marts.internship_coverage", expected.internship_coverage, build.marts["internship_coverage"],
        keys=["university_code", "major_code", "level", "year"],
        numeric=["graduates", "placements", "placement_rows", "relevant_rows", "not_relevant_rows",
                 "unknown_relevance_rows", "hired_rows", "completed_rows", "dropped_rows", "employed_in_province",
                 "coverage", "relevance", "relevance_unknown_share", "conversion", "retention"],
    )


INTERNSHIP_FIGURES = ["graduates", "placements", "coverage", "relevance", "relevance_unknown_share", "conversion",
                      "retention"]


def test_internship_figures_are_per_level_and_match_sources(build: Build, expected: Expected) -> None:
    """Each level's internship figures, per place and major and over all its majors, are its own majors'
    placements against its own graduates (docs/metrics.md "Internships"): 专科 and 本科 are never added up."""
    keys = ["geography_level", "geography", "level", "year", "major_code"]
    actual = build.marts["internship_figures"].assign(major_code=lambda f: f["major_code"].fillna("(all)"))
    want = expected.internship_figures.assign(major_code=lambda f: f["major_code"].fillna("(all)"))
    assert_same("marts.internship_figures", want, actual, keys=keys, numeric=INTERNSHIP_FIGURES)
    region = want[(want["geography_level"] == "region") & (want["major_code"] == "(all)")]
    assert set(region["level"]) == {"专科", "本科"}
    coverage = region.pivot(index="year", columns="level", values="coverage")
    assert (coverage["专科"] != coverage["本科"]).all(), "the demo's levels differ in coverage"


def test_headline_internship_figures_follow_the_level(build: Build, expected: Expected) -> None:
    """The Overview's row for a level carries that level's internship figures; 研究生 (no catalogue) has none."""
    headline = build.marts["headline"]
    totals = expected.internship_figures[expected.internship_figures["major_code"].isna()]
    keys = ["geography_level", "geography", "level", "year"]
    figures = [f for f in INTERNSHIP_FIGURES if f != "graduates"]
    taught = headline[headline["level"] != "研究生"]
    want = taught[keys].merge(totals[keys + figures], on=keys, how="left")  # a place without universities: none
    assert_same("marts.headline", want, taught, keys=keys, numeric=figures)
    assert headline.loc[headline["level"] == "研究生", figures].isna().all().all()
    assert "graduate_demand" not in headline, "graduate-level demand is the 研究生 row's demand, not a column"


def test_enrolment_keeps_every_catalogue_row_whatever_its_graduates(build: Build, expected: Expected) -> None:
    """The outlook's input: every catalogue row's enrolment, including the rows whose graduates cell is empty
    (graduates unknown, METRICS.md "Supply"), e.g. a new major whose first cohorts have not graduated yet."""
    catalogue = expected.catalogue.rename(columns={"province": "province_name"})
    assert catalogue["graduates"].isna().any(), "the demo has no catalogue row without graduates to check"
    actual = build.marts["enrolment"]
    assert_same("enrolment", catalogue, actual, ["university_code", "major_code", "level", "year"],
                ["enrolment", "graduates"], exact=("province_name",))
    by_province = (catalogue.groupby(["province_name", "level", "year"])["enrolment"].sum().astype(float))
    assert actual.groupby(["province_name", "level", "year"])["enrolment"].sum().to_dict() == pytest.approx(
        by_province.to_dict())


def test_base_utilisation_matches_sources(build: Build, expected: Expected) -> None:
    assert_same(
        "marts.base_utilisation", expected.base_utilisation, build.marts["base_utilisation"],
        keys=["base_id", "year"], numeric=["capacity", "placements", "utilisation"],
    )


def expected_cards(expected: Expected) -> pd.DataFrame:
    """METRICS.md v2 "Cards": per gap row (a city showing its province's), the market's statuses in its three
    latest survey years up to the row's year, and the card they give."""
    surveyed = expected.demand_rows[["province", "year"]].drop_duplicates()
    survey_years = {**surveyed.groupby("province")["year"].agg(lambda y: sorted(set(y))).to_dict(),
                    REGION: sorted(set(surveyed["year"]))}
    gap = expected.major_gap
    market_status = {(m, lv, y, c): st for m, lv, y, c, st in zip(
        gap["geography"], gap["level"], gap["year"], gap["major_code"], gap["status"], strict=True)
        if m in survey_years}
    rows = []
    for row in gap.itertuples():
        years = [y for y in survey_years.get(row.market, []) if y <= row.year]
        if row.year not in years:
            continue
        window = years[-CARD_YEARS:]
        statuses = [market_status.get((row.market, row.level, y, row.major_code)) for y in window]
        card = None
        if len(window) == CARD_YEARS:
            if statuses.count("shortage") == CARD_YEARS:
                card = "green"
            elif statuses.count("surplus") == CARD_YEARS:
                card = "red"
            elif statuses.count("surplus") == CARD_YEARS - 1:
                card = "yellow"
        rows.append((row.geography_level, row.geography, row.level, row.year, row.major_code,
                     " ".join(map(str, window)), " ".join(map(str, statuses)), card))
    return pd.DataFrame(rows, columns=["geography_level", "geography", "level", "year", "major_code",
                                       "survey_years", "statuses", "card"])


def test_major_cards_match_sources(build: Build, expected: Expected) -> None:
    cards = build.marts["major_cards"].copy()
    cards["survey_years"] = cards["survey_years"].map(lambda ys: " ".join(map(str, ys)))
    cards["statuses"] = cards["statuses"].map(lambda ss: " ".join(map(str, ss)))
    cards["card"] = cards["card"].fillna("none")
    want = expected_cards(expected).fillna({"card": "none"})
    assert_same("marts.major_cards", want, cards,
                keys=["geography_level", "geography", "level", "year", "major_code"], numeric=[],
                exact=("survey_years", "statuses", "card"))
    latest = cards[cards["year"] == cards["year"].max()]
    assert {"green", "yellow", "red"} <= set(latest["card"].dropna()), "the demo should show every card"


def test_the_story_a_shenyang_planner_sees(build: Build) -> None:
    """Issue 25 "Done when": software engineering short in Liaoning with a green card, marketing with a red
    card, clinical medicine's bachelors not judged surplus on the hospitals' few answers, and 吉林市 importing
    software engineers rather than lacking them."""
    gap, cards = build.marts["major_gap"], build.marts["major_cards"]
    latest = int(gap["year"].max())

    def at(frame: pd.DataFrame, geography: str, column: str) -> dict[str, object]:
        here = frame[(frame["geography"] == geography) & (frame["year"] == latest) & (frame["level"] == "本科")]
        return dict(zip(here["major_code"], here[column], strict=True))

    for geography in ("辽宁省", "沈阳市", REGION):
        status_of = at(gap, geography, "status")
        assert status_of.get("080902") == "shortage", f"{geography} {latest}: 软件工程 is {status_of.get('080902')}"
        assert status_of.get("120202") == "surplus", f"{geography} {latest}: 市场营销 is {status_of.get('120202')}"
    for geography in ("辽宁省", "沈阳市"):
        card_of = at(cards, geography, "card")
        assert card_of.get("080902") == "green" and card_of.get("120202") == "red", (geography, card_of)
        assert at(gap, geography, "status").get("100201K") in ("insufficient_data", "balanced")
        assert card_of.get("100201K") is None or pd.isna(card_of.get("100201K"))
    assert at(gap, "吉林市", "status").get("080902") == "imports"


def test_every_vocational_college_has_graduates_and_placements(build: Build, reference: Reference) -> None:
    """The register's higher-vocational colleges (专科) are on the dashboard with their own 专科 majors: graduates
    and students placed in every year of the demo, not only listed in the register."""
    colleges = set(reference.universities.index[reference.universities["level"] == "专科"])
    vocational_majors = set(reference.majors.index[reference.majors["level"] == "专科"])
    assert len(colleges) >= 10
    coverage = build.marts["internship_coverage"]
    rows = coverage[coverage["university_code"].isin(colleges) & coverage["graduates"].notna()]
    assert set(rows["major_code"]) <= vocational_majors, "a college's catalogue lists 专科 majors only"
    per_college = rows.groupby("university_code")
    years = per_college["year"].nunique()
    assert set(years.index) == colleges, f"colleges without graduates: {sorted(colleges - set(years.index))}"
    assert (years == years.max()).all() and years.max() >= CARD_YEARS, years.to_dict()
    placed = per_college["placements"].sum()
    assert (placed > 0).all(), f"colleges without placements: {placed[placed == 0].index.tolist()}"
    demanded = build.marts["major_gap"]
    demanded = demanded[(demanded["level"] == "专科") & (demanded["geography_level"] == "province")]
    assert (demanded["demand"] > 0).any() and (demanded["supply"] > 0).any()


def test_the_technicians_level_has_every_card(build: Build) -> None:
    """The 专科 level tells the seeds' story in cards, as the bachelors do: mechatronics technicians (460301) short
    for three years in Liaoning (green), accounting (大数据与会计 530302) in surplus (red), and a yellow card
    somewhere in the region."""
    cards = build.marts["major_cards"]
    technicians = cards[(cards["level"] == "专科") & (cards["geography_level"] == "province")]
    latest = technicians[technicians["year"] == technicians["year"].max()]
    assert {"green", "yellow", "red"} <= set(latest["card"].dropna()), latest["card"].value_counts()
    liaoning = dict(zip(latest.loc[latest["geography"] == "辽宁省", "major_code"],
                        latest.loc[latest["geography"] == "辽宁省", "card"], strict=True))
    assert liaoning.get("460301") == "green" and liaoning.get("530302") == "red", liaoning


def test_major_industry_links_are_per_study_level(build: Build, reference: Reference) -> None:
    """The Majors and Industries pages pick a study level: the industries demanding a major and the majors
    feeding an industry are of that level only. Per level, the links add up to the major's region demand in
    marts.major_gap (itself recomputed from the files above), and supply comes from that level's majors."""
    links = build.marts["major_industry_links"]
    level_of = reference.majors["level"].to_dict()
    supplied = links[links["supply"] > 0]
    assert (supplied["major_code"].map(level_of) == supplied["level"]).all(), "supply of another level's major"
    assert set(links.loc[links["demand"] > 0, "level"]) == {"专科", "本科", "研究生"}
    region = links[links["geography_level"] == "region"]
    by_major = region.groupby(["level", "year", "major_code"])["demand"].sum()
    gap = build.marts["major_gap"]
    gap = gap[(gap["geography_level"] == "region") & (gap["demand"] > 0)]
    want = gap.set_index(["level", "year", "major_code"])["demand"]
    # a major's demand from positions at enterprises of any division (its surveys name the division)
    assert np.allclose(by_major.reindex(want.index).fillna(0).to_numpy(), want.to_numpy(), rtol=RTOL, atol=1e-9)




def unplaced_pools(expected: Expected) -> pd.DataFrame:
    """pool(u, m, y) = graduates − students placed, at least 0 (METRICS.md v2 "Pairing suggestions"), from this
    file's own recomputation of coverage: placements without cognitive visits. A small group (`small`) counts as
    MIN_GROUP_SIZE − 1 students placed, the most a suppressed group holds (docs/metrics.md "Pairing
    suggestions"), so that its pool does not give its count back."""
    pools = expected.internship_coverage.dropna(subset=["graduates"])
    small = pools["students_placed"].between(1, MIN_GROUP_SIZE - 1)
    pools = pools.assign(placements=pools["students_placed"], small=small)
    counted = pools["placements"].where(~small, MIN_GROUP_SIZE - 1)
    return pools.assign(pool=(pools["graduates"] - counted).clip(lower=0))[
        ["university_code", "major_code", "year", "graduates", "placements", "pool", "small"]]


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lat1, lon1), (lat2, lon2) = (tuple(map(math.radians, p)) for p in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def test_pairing_suggestions_follow_the_metric(build: Build, expected: Expected, sources: Landing,
                                               reference: Reference) -> None:
    """METRICS.md v2: suggestions only for enterprises that take interns (a survey row says so, or a base) and
    host no student of the major yet; universities of the enterprise's province with unplaced graduates of the
    major at the position's level (another province's only when its own has none); whole interns, no more
    than the enterprise wants; and the figures each reason quotes are the source files' figures."""
    pairs = build.marts["pairing_suggestions"].copy()
    assert not pairs.empty
    pairs["year"] = pairs["year"].astype(int)
    problems: list[str] = []
    survey, bases = sources.good["survey"], expected.bases
    hosting = set(survey.loc[survey["hosts_interns"] == True, ["enterprise_id", "year"]]  # noqa: E712 (NA)
                  .itertuples(index=False, name=None))
    based = set(bases["enterprise_id"])
    placements = sources.good["placements"].merge(bases[["base_id", "enterprise_id"]], on="base_id")
    placements = placements[placements["internship_type"] != "cognitive"]  # a visit hosts no intern
    hosted = set(placements[["enterprise_id", "major_code", "year"]].itertuples(index=False, name=None))
    demand = expected.demand_rows[expected.demand_rows["level"].isin(["专科", "本科"])]
    wanted = demand.groupby(["enterprise_id", "major_code", "level", "year"]).agg(
        demand=("share", "sum"), provinces=("province", set), cities=("city", set))
    pools = unplaced_pools(expected).merge(
        expected.catalogue[["university_code", "major_code", "year", "level"]].drop_duplicates(),
        on=["university_code", "major_code", "year"])
    pools = pools[pools["pool"] > 0].assign(province=lambda f: f["university_code"].map(
        reference.universities["province_name"]))
    with_pool = pools.groupby(["major_code", "level", "year", "province"])["university_code"].agg(set).to_dict()
    cities = pd.read_csv(REFERENCE / "cities.csv", dtype={"city_code": str}).set_index("city_name")
    for r in pairs.itertuples():
        key = (r.enterprise_id, r.major_code, r.level, r.year)
        if key not in wanted.index:
            problems.append(f"{key}: the enterprise's surveys do not ask for this major at this level that year")
            continue
        if (r.enterprise_id, r.year) not in hosting and r.enterprise_id not in based:
            problems.append(f"{key}: the enterprise neither says it takes interns nor has a base")
        if (r.enterprise_id, r.major_code, r.year) in hosted:
            problems.append(f"{key}: the enterprise already hosts students of the major that year")
        own = set().union(*(with_pool.get((r.major_code, r.level, r.year, p), set())
                            for p in wanted.at[key, "provinces"]))
        if r.university_code not in own and (own or r.university_code not in set(pools.loc[
                (pools["major_code"] == r.major_code) & (pools["level"] == r.level) & (pools["year"] == r.year),
                "university_code"])):
            problems.append(f"{key} → {r.university_code}: not a university of the enterprise's province with "
                            "unplaced graduates of the major (nor of another province when its own has none)")
        expected_km = km_between(tuple(cities.loc[r.enterprise_city, ["latitude", "longitude"]]),
                                 tuple(cities.loc[r.university_city, ["latitude", "longitude"]]))
        if abs(r.distance_km - expected_km) > 1:
            problems.append(f"{key} → {r.university_code}: {r.distance_km} km, not {expected_km:.0f}")
    entries = pairs.groupby(["enterprise_id", "major_code", "level", "year"]).agg(
        interns=("interns", "sum"), wanted=("wanted", "first"), demand=("demand", "first"),
        choices=("choice", sorted), universities=("university_code", "nunique"))
    entries = entries.join(wanted["demand"].rename("demand_sources"), how="inner")
    off = entries[(entries["wanted"] != np.ceil(entries["demand_sources"] - 1e-9))
                  | ~np.isclose(entries["demand"].astype(float), entries["demand_sources"], rtol=RTOL, atol=ATOL)
                  | (entries["interns"] > entries["wanted"])
                  | (entries["universities"] != entries["choices"].map(len))]
    if not off.empty:
        problems.append(f"{len(off)} entries want other than their demand rounded up, or are given more than "
                        f"they want, e.g.\n{off.head(5).to_string()}")
    if (pairs["interns"] <= 0).any() or (pairs["choice"] > 3).any():
        problems.append("a suggestion of no intern, or a fourth choice")
    # the figures quoted: the pool and its parts (of a small group, the graduates only), the province's
    # alignment of the major at its level
    quoted = pairs.merge(pools, on=["university_code", "major_code", "year", "level"], how="left",
                         suffixes=("", "_sources"))
    small = quoted["small"].fillna(False).astype(bool)
    for column in ("pool", "graduates", "placements"):
        differ = quoted[column] != quoted[f"{column}_sources"]
        if column != "graduates":
            differ = (~small & differ) | (small & quoted[column].notna())
        if differ.any():
            problems.append(f"{column} differs from the sources on {int(differ.sum())} suggestions")
    if (quoted["suppressed"].astype(bool) != small).any():
        problems.append("suppressed is not exactly the suggestions whose university placed a small group")
    province_gap = expected.major_gap[expected.major_gap["geography_level"] == "province"][
        ["geography", "year", "level", "major_code", "alignment"]].rename(
        columns={"geography": "university_province", "alignment": "alignment_sources"})
    quoted = pairs.merge(province_gap, on=["university_province", "year", "level", "major_code"], how="left")
    got, want = quoted["province_alignment"].astype(float), quoted["alignment_sources"].astype(float)
    if ((got.isna() != want.isna()) | ~np.isclose(got.fillna(0), want.fillna(0), rtol=RTOL, atol=ATOL)).any():
        problems.append("province_alignment differs from the sources")
    assert not problems, f"pairing_suggestions break METRICS.md ({len(problems)} problems):\n" + "\n".join(
        problems[:15])


def test_a_university_pool_is_never_promised_twice(build: Build, expected: Expected) -> None:
    """Issue 25 "Done when": enterprises of the same city wanting the same major get suggestions whose interns,
    summed over every enterprise, never exceed a university's unplaced pool (recomputed here); and on the demo
    that happens: some pool is shared by two such enterprises and spent in full."""
    pairs = build.marts["pairing_suggestions"].copy()
    pairs["year"] = pairs["year"].astype(int)
    pools = unplaced_pools(expected).set_index(["university_code", "major_code", "year"])["pool"]
    promised = pairs.groupby(["university_code", "major_code", "year"]).agg(
        interns=("interns", "sum"), enterprises=("enterprise_id", "nunique"),
        cities=("enterprise_city", "nunique"))
    promised = promised.join(pools, how="left")
    over = promised[~(promised["interns"] <= promised["pool"])]
    assert over.empty, f"pools promised beyond their unplaced graduates:\n{over.head(10)}"
    same_city = pairs.groupby(["enterprise_city", "major_code", "year", "university_code"]).filter(
        lambda g: g["enterprise_id"].nunique() >= 2)
    assert not same_city.empty, "the demo should have two enterprises of one city suggested the same university"
    shared = promised.loc[promised.index.isin(list(same_city[["university_code", "major_code", "year"]]
                                                   .itertuples(index=False, name=None)))]
    assert (shared["interns"] == shared["pool"]).any(), "no shared pool is spent in full: nothing was allocated"


def test_no_pairing_suggestion_shows_a_small_group_placed_nor_a_figure_that_gives_it_back(
        build: Build, expected: Expected) -> None:
    """METRICS.md "Suppression": groups of fewer than 5 students are suppressed on every page and export. A
    suggestion shows the university's graduates of the major, so neither the students it placed (1 to 4) nor
    its unplaced pool (graduates − pool) may be shown, and the interns suggested from such a pool, over all
    enterprises, stay within graduates − 4, which every count from 1 to 4 allows: they tell nothing either."""
    pairs = build.marts["pairing_suggestions"].copy()
    pairs["year"] = pairs["year"].astype(int)
    placements = pd.to_numeric(pairs["placements"]).dropna()
    assert not placements.between(1, MIN_GROUP_SIZE - 1).any(), "a small group's count is shown"
    given_back = (pd.to_numeric(pairs["graduates"]) - pd.to_numeric(pairs["pool"])).dropna()
    assert not given_back.between(1, MIN_GROUP_SIZE - 1).any(), "graduates − pool gives a small group's count"
    keys = ["university_code", "major_code", "year"]
    pools = unplaced_pools(expected)
    small = pairs.merge(pools.loc[pools["small"], keys], on=keys)
    assert not small.empty, "the demo should suggest universities whose placed students are a small group"
    assert small["placements"].isna().all() and small["pool"].isna().all() and small["suppressed"].all()
    promised = small.groupby(keys).agg(interns=("interns", "sum"), graduates=("graduates", "first"))
    over = promised[promised["interns"] > promised["graduates"] - (MIN_GROUP_SIZE - 1)]
    assert over.empty, f"interns suggested from a small group's pool give its count away:\n{over.head()}"


# =====================================================================================================
# Skills and pay (METRICS.md v2 "Skills and pay")
# =====================================================================================================
def skill_wordings() -> dict[str, str]:
    """folded wording → skill id, from the bundled vocabulary (names, English names, aliases)."""
    from sources import settings as source_settings

    with (source_settings.reference_dir() / "skills.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return {" ".join(nfkc(w).lower().split()): r["skill_id"] for r in rows
            for w in [r["skill_name"], r["skill_name_en"], *filter(None, r["aliases"].split("|"))]}


def skills_of(cell: str | None, wordings: dict[str, str]) -> set[str]:
    """The skills a 技能要求 cell names (docs/metrics.md "Skills and pay"): split on 、 , ; (after NFKC), a piece
    that is no wording whole split again on / and spaces; a part that is no wording either goes to the wording with
    the best rapidfuzz ratio ≥ 60 (wordings under 2 characters, or ASCII under 3, left out)."""
    from rapidfuzz import fuzz, process

    candidates = sorted(w for w in wordings if len(w) >= (3 if w.isascii() else 2))
    found: set[str] = set()
    for piece in re.split(r"[、,;]", nfkc(cell or "")):
        piece = " ".join(piece.lower().split())
        if piece in wordings:
            found.add(wordings[piece])
            continue
        for part in filter(None, re.split(r"[/\s]+", piece)):
            if part in wordings:
                found.add(wordings[part])
            elif (best := process.extractOne(part, candidates, scorer=fuzz.ratio, score_cutoff=60)) is not None:
                found.add(wordings[best[0]])
    return found


def test_skill_shares_and_pay_match_the_survey_rows(build: Build, sources: Landing) -> None:
    """skill_share(s | m) in each province, study level and year, recomputed from the survey files: Σ headcount / k
    over the rows of the level naming s and m over Σ headcount / k over the level's rows naming m (a row's level is
    its minimum 学历要求, 不限 counting toward 专科, as the gaps take it); and the headcount-weighted median 月薪 of
    each major's rows in the region, shown from 5 rows up."""
    wordings = skill_wordings()
    survey = sources.good["survey"].copy()
    survey["k"] = survey["majors"].map(len)
    survey["skill_ids"] = survey["skills"].map(lambda c: sorted(skills_of(c, wordings)))
    rows = survey.explode("majors").rename(columns={"majors": "major_code"})
    rows["share"] = rows["headcount"].astype(float) / rows["k"]
    rows["level"] = rows["education"].replace({"不限": "专科"})
    major = rows.groupby(["province", "level", "year", "major_code"], as_index=False)["share"].sum()
    with_skill = rows.explode("skill_ids").dropna(subset=["skill_ids"]).rename(columns={"skill_ids": "skill_id"})
    skill = with_skill.groupby(["province", "level", "year", "major_code", "skill_id"], as_index=False)["share"].sum()
    expected = skill.merge(major, on=["province", "level", "year", "major_code"], suffixes=("", "_major"))
    expected["skill_share"] = expected["share"] / expected["share_major"]
    expected = expected.rename(columns={"province": "geography", "share": "skill_demand"})
    expected["year"] = expected["year"].astype(int)
    actual = build.marts["skill_demand"]
    actual = actual[actual["geography_level"] == "province"].copy()
    actual["year"] = actual["year"].astype(int)
    assert_same("skill_demand", expected, actual, ["geography", "level", "year", "major_code", "skill_id"],
                ["skill_demand", "skill_share"])

    def weighted_median(group: pd.DataFrame) -> float | None:
        if len(group) < 5:
            return None
        ordered = group.sort_values("monthly_salary")
        running = ordered["headcount"].astype(float).cumsum()
        return float(ordered.loc[running >= 0.5 * running.iloc[-1], "monthly_salary"].iloc[0])

    paid = rows[rows["monthly_salary"].notna() & (rows["headcount"] > 0)]
    medians = [(y, m, weighted_median(g)) for (y, m), g in paid.groupby(["year", "major_code"])]
    expected_pay = pd.DataFrame(medians, columns=["year", "major_code", "salary_median"])
    expected_pay["year"] = expected_pay["year"].astype(int)
    pay = build.marts["salary"]
    pay = pay[(pay["breakdown"] == "major") & (pay["geography_level"] == "region")].copy()
    pay["year"] = pay["year"].astype(int)
    assert_same("salary", expected_pay, pay, ["year", "major_code"], ["salary_median"])
