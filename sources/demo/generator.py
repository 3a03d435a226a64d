"""Deterministic demo data for the Northeast scenario: the source files data staff would drop.

Why this exists: the portal must be shown, tested and benchmarked without real student or enterprise
records. This module writes a landing folder (`catalogue/`, `survey/`, `bases/`, `placements/`) that
looks like what universities and enterprise associations in Liaoning, Jilin and Heilongjiang really
send — mixed CSV encodings and XLSX, Chinese or English headers, codes that lost their leading zero,
full-width characters and stray spaces — and whose numbers tell the region's story (shared/SCENARIO.md):
emerging engineering majors are short, marketing / English / management are in surplus, internship
coverage is uneven, relevance modest, conversion low outside software and automotive, and a third to two
thirds of graduates stay in their province.

Real codes and names come from the reference CSVs (`sources/reference/`) at run time; the story (which
majors a kind of university offers, which industries cluster in which city, which positions an industry
advertises) is data in `sources/demo/scenario/` (listed in sources/demo/README.md), read once by
`load_scenario`; this module holds the logic. Universities beyond the 25 real
ones (scale > 1) are plainly synthetic ("辽宁第3理工学院", codes 9xxxx) and registered in
`reference/universities.csv` of the landing folder; enterprises are fictional
("长春某汽车零部件有限公司").

Everything is drawn from `numpy` generators seeded by (seed, component, ...), so the same seed and scale
give byte-identical files (XLSX zip entries and document properties carry a fixed timestamp). Placements,
the only large kind, are generated and written per province and year with vectorised numpy / pandas.

A handful of deliberately bad rows (unknown codes, a negative or non-numeric count, an end date before the
start, an unknown base, exact duplicates) are injected, each recorded in `demo_manifest.json` with its file,
spreadsheet row, column and the rule it breaks, so the loader's quarantine can be tested against the truth.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sources import schema, settings
from sources.demo import xlsx
from sources.kinds import KINDS

# =====================================================================================================
# The story (shared/SCENARIO.md). Codes are the reference CSVs' codes; a code missing from the
# reference files at run time is skipped, never invented.
# =====================================================================================================

YEARS: tuple[int, ...] = (2021, 2022, 2023, 2024, 2025)
BACHELOR_YEARS = 4  # a graduate of year y enrolled in y - 4
HISTORY_START = YEARS[0] - BACHELOR_YEARS  # intake years needed for the first graduating cohort
MANIFEST_NAME = "demo_manifest.json"
#: fixed timestamp stamped into XLSX document properties and zip entries (determinism)
FIXED_TIMESTAMP = dt.datetime(2026, 1, 1, 0, 0, 0)

#: the scenario's data files (sources/demo/README.md lists them): edit them to change the story
SCENARIO_DIR = Path(__file__).parent / "scenario"
VOCATIONAL_YEARS = 3  # a 专科 graduate of year y enrolled in y - 3


@dataclass(frozen=True)
class Profile:
    """What a kind of university teaches: majors it always offers and a pool it draws the rest from."""

    label: str  # word in synthetic names: 辽宁第3理工学院
    label_en: str
    core: tuple[str, ...]
    pool: tuple[str, ...]
    n_majors: tuple[int, int]  # inclusive range of majors offered (15-35)


@dataclass(frozen=True)
class Position:
    """A position an enterprise of some industry advertises in the demand survey."""

    title: str
    majors: tuple[str, ...]
    education: str
    skills: str
    salary: tuple[int, int]  # monthly, yuan, 2021 level
    weight: float  # how often the position appears
    size: float  # typical headcount (relative)
    cities: tuple[str, ...] = ()  # only in these cities (empty: anywhere)


def _codes(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _month_day(text: str) -> tuple[int, int]:
    month, day = text.split("-")
    return int(month), int(day)


@dataclass(frozen=True)
class Scenario:
    """The story (shared/SCENARIO.md) as read from the scenario folder; codes are the reference CSVs' codes,
    and a code missing from the reference files at run time is skipped, never invented."""

    profiles: dict[str, Profile]  # 本科 profiles
    vocational_profiles: dict[str, Profile]  # 专科 profiles
    name_guesses: tuple[tuple[str, str], ...]  # (word in the name, profile) for a university not listed
    default_profile: dict[str, str]  # level → profile of an institution neither listed nor guessed
    university_profile: dict[str, str]
    college_profile: dict[str, str]
    extra_majors: dict[str, tuple[str, ...]]
    top_national: frozenset[str]
    shortage_majors: tuple[str, ...]
    surplus_majors: tuple[str, ...]
    intake_by_discipline: dict[str, int]
    intake_by_major: dict[str, int]
    intake_trend: dict[str, float]
    opening_years: dict[str, tuple[int, int]]
    enterprise_clusters: dict[str, tuple[tuple[str, int], ...]]
    industry_products: dict[str, tuple[str, ...]]
    city_products: dict[tuple[str, str], tuple[str, ...]]
    industry_positions: dict[str, tuple[Position, ...]]
    general_positions: tuple[tuple[Position, float, str], ...]
    vocational_positions: dict[str, tuple[Position, ...]]
    vocational_general_positions: tuple[tuple[Position, float, str], ...]
    hire_rate: dict[str, float]
    city_salary: dict[str, float]
    demand_to_graduates: dict[int, float]
    vocational_demand_to_graduates: dict[int, float]
    internship_types: tuple[tuple[str, float, tuple[int, int], tuple[int, int], tuple[int, int]], ...]
    second_internship: tuple[str, tuple[int, int], tuple[int, int], tuple[int, int]]
    parameters: dict[str, Any]
    people: dict[str, Any]


@cache
def load_scenario(folder: Path = SCENARIO_DIR) -> Scenario:
    """Read the scenario files once (plain UTF-8 CSV and JSON), in file order: the order of rows is the order
    the generator draws in, so the same files, seed and scale give the same bytes."""

    def rows(name: str) -> list[dict[str, str]]:
        with (folder / name).open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    profiles: dict[str, dict[str, Profile]] = {"本科": {}, "专科": {}}
    name_guesses, default_profile = [], {}
    for r in rows("profiles.csv"):
        profiles[r["level"]][r["profile"]] = Profile(r["label"], r["label_en"], _codes(r["core"]), _codes(r["pool"]),
                                                     (int(r["min_majors"]), int(r["max_majors"])))
        if r["name_word"]:
            name_guesses.append((r["name_word"], r["profile"]))
        if r["default"] == "yes":
            default_profile[r["level"]] = r["profile"]
    level_of = {p: level for level, ps in profiles.items() for p in ps}
    institutions = rows("universities.csv")
    majors = rows("majors.csv")
    clusters: dict[str, list[tuple[str, int]]] = {}
    for r in rows("enterprises.csv"):
        clusters.setdefault(r["city"], []).append((r["industry_code"], int(r["enterprises"])))
    products = rows("products.csv")
    positions: dict[str, dict[str, list[Position]]] = {"本科": {}, "专科": {}}
    general: dict[str, list[tuple[Position, float, str]]] = {"本科": [], "专科": []}
    for r in rows("positions.csv"):
        position = Position(r["position"], _codes(r["majors"]), r["education"], r["skills"],
                            (int(r["salary_min"]), int(r["salary_max"])), float(r["weight"]), float(r["size"]),
                            _codes(r["cities"]))
        if r["industry_code"]:
            positions[r["level"]].setdefault(r["industry_code"], []).append(position)
        else:
            general[r["level"]].append((position, float(r["chance"]), r["sections"]))
    demand = rows("demand.csv")
    types = [(r["internship_type"], r["share"], _month_day(r["start_from"]), _month_day(r["start_until"]),
              (int(r["days_min"]), int(r["days_max"]))) for r in rows("internship_types.csv")]
    return Scenario(
        profiles=profiles["本科"], vocational_profiles=profiles["专科"], name_guesses=tuple(name_guesses),
        default_profile=default_profile,
        university_profile={r["university_code"]: r["profile"] for r in institutions
                            if level_of[r["profile"]] == "本科"},
        college_profile={r["university_code"]: r["profile"] for r in institutions
                         if level_of[r["profile"]] == "专科"},
        extra_majors={r["university_code"]: _codes(r["extra_majors"]) for r in institutions if r["extra_majors"]},
        top_national=frozenset(r["university_code"] for r in institutions if r["top"] == "yes"),
        shortage_majors=tuple(r["major_code"] for r in majors if r["story"] == "shortage"),
        surplus_majors=tuple(r["major_code"] for r in majors if r["story"] == "surplus"),
        intake_by_discipline={r["discipline"]: int(r["intake"]) for r in rows("disciplines.csv")},
        intake_by_major={r["major_code"]: int(r["intake"]) for r in majors if r["intake"]},
        intake_trend={r["major_code"]: float(r["growth"]) for r in majors if r["growth"]},
        opening_years={r["major_code"]: (int(r["opens_from"]), int(r["opens_until"])) for r in majors
                       if r["opens_from"]},
        enterprise_clusters={city: tuple(c) for city, c in clusters.items()},
        industry_products={r["industry_code"]: tuple(r["products"].split("、")) for r in products if not r["city"]},
        city_products={(r["city"], r["industry_code"]): tuple(r["products"].split("、")) for r in products
                       if r["city"]},
        industry_positions={d: tuple(p) for d, p in positions["本科"].items()},
        general_positions=tuple(general["本科"]),
        vocational_positions={d: tuple(p) for d, p in positions["专科"].items()},
        vocational_general_positions=tuple(general["专科"]),
        hire_rate={r["industry_code"]: float(r["hire_rate"]) for r in rows("industries.csv")},
        city_salary={r["city"]: float(r["salary_factor"]) for r in rows("cities.csv")},
        demand_to_graduates={int(r["year"]): float(r["bachelor"]) for r in demand},
        vocational_demand_to_graduates={int(r["year"]): float(r["vocational"]) for r in demand},
        # a row without a share is the extra spring visit a few students make besides their main internship
        internship_types=tuple((t, float(s), a, b, d) for t, s, a, b, d in types if s),
        second_internship=next((t, a, b, d) for t, s, a, b, d in types if not s),
        parameters=json.loads((folder / "parameters.json").read_text(encoding="utf-8")),
        people=json.loads((folder / "people.json").read_text(encoding="utf-8")),
    )


#: the default scenario, as the module's constants the builders below read (a test swaps one for an edited copy's)
_SCENARIO = load_scenario()
PROFILES = _SCENARIO.profiles
VOCATIONAL_PROFILES = _SCENARIO.vocational_profiles
NAME_GUESSES = _SCENARIO.name_guesses
DEFAULT_PROFILE = _SCENARIO.default_profile
UNIVERSITY_PROFILE = _SCENARIO.university_profile
COLLEGE_PROFILE = _SCENARIO.college_profile
UNIVERSITY_EXTRA_MAJORS = _SCENARIO.extra_majors
TOP_NATIONAL = _SCENARIO.top_national
SHORTAGE_MAJORS = _SCENARIO.shortage_majors
SURPLUS_MAJORS = _SCENARIO.surplus_majors
INTAKE_BY_DISCIPLINE = _SCENARIO.intake_by_discipline
INTAKE_BY_MAJOR = _SCENARIO.intake_by_major
INTAKE_DEFAULT = _SCENARIO.parameters["intake_default"]
INTAKE_TREND = _SCENARIO.intake_trend
OPENING_YEARS = _SCENARIO.opening_years
ENTERPRISE_CLUSTERS = _SCENARIO.enterprise_clusters
INDUSTRY_PRODUCTS = _SCENARIO.industry_products
CITY_PRODUCTS = _SCENARIO.city_products
INDUSTRY_POSITIONS = _SCENARIO.industry_positions
GENERAL_POSITIONS = _SCENARIO.general_positions
VOCATIONAL_POSITIONS = _SCENARIO.vocational_positions
VOCATIONAL_GENERAL_POSITIONS = _SCENARIO.vocational_general_positions
HIRE_RATE = _SCENARIO.hire_rate
HIRE_RATE_DEFAULT = _SCENARIO.parameters["hire_rate_default"]
DROP_RATE = _SCENARIO.parameters["drop_rate"]  # placements abandoned (中止)
RELEVANT_PICK = _SCENARIO.parameters["relevant_pick"]
SECOND_PLACEMENT_RATE = _SCENARIO.parameters["second_placement_rate"]
DEMAND_TO_GRADUATES = _SCENARIO.demand_to_graduates
VOCATIONAL_DEMAND_TO_GRADUATES = _SCENARIO.vocational_demand_to_graduates
SURVEY_RESPONSE_RATE = _SCENARIO.parameters["survey_response_rate"]
CITY_SALARY = _SCENARIO.city_salary
CITY_SALARY_DEFAULT = _SCENARIO.parameters["city_salary_default"]
INTERNSHIP_TYPES = _SCENARIO.internship_types
SECOND_INTERNSHIP = _SCENARIO.second_internship
SURNAMES: str = _SCENARIO.people["surnames"]
GIVEN_CHARS: str = _SCENARIO.people["given_name_characters"]
PHONE_PREFIXES = tuple(_SCENARIO.people["phone_prefixes"])
OUTSIDE_HOME_DIVISIONS = tuple(_SCENARIO.people["outside_home_divisions"])


# --- deliberately bad rows: (kind, province, year or None, rule, column) --------------------------------
BAD_MAJOR_CLASS = "0899"  # no MoE major class 0899: 080902 mistyped as 089902
UNKNOWN_UNIVERSITY_CODE = "19999"
UNKNOWN_INDUSTRY_CODE = "C99"  # GB/T 4754-2017 has no division 99
BAD_ROW_PLAN: tuple[tuple[str, str, int | None, str, str | None], ...] = (
    ("catalogue", "辽宁省", 2022, "unknown_major_code", "major_code"),
    ("catalogue", "黑龙江省", 2023, "negative_count", "enrolment"),
    ("catalogue", "吉林省", 2024, "non_numeric_count", "graduates"),
    ("catalogue", "辽宁省", 2025, "unknown_university_code", "university_code"),
    ("catalogue", "黑龙江省", 2021, "exact_duplicate", None),
    ("survey", "辽宁省", 2023, "unknown_industry_code", "industry_code"),
    ("survey", "吉林省", 2022, "unknown_major_code", "majors"),
    ("survey", "黑龙江省", 2024, "negative_count", "headcount"),
    ("survey", "辽宁省", 2021, "non_numeric_count", "headcount"),
    ("survey", "吉林省", 2025, "exact_duplicate", None),
    ("survey", "黑龙江省", 2023, "unknown_education", "education"),
    ("bases", "吉林省", None, "unknown_university_code", "university_code"),
    ("bases", "黑龙江省", None, "non_numeric_count", "capacity_per_year"),
    ("bases", "辽宁省", None, "exact_duplicate", None),
    ("placements", "辽宁省", 2023, "end_before_start", "end_date"),
    ("placements", "吉林省", 2021, "unknown_base", "base_id"),
    ("placements", "黑龙江省", 2022, "unknown_major_code", "major_code"),
    ("placements", "辽宁省", 2024, "unknown_university_code", "university_code"),
    ("placements", "黑龙江省", 2025, "exact_duplicate", None),
)

#: what each bad-row rule means, for the manifest's readers
RULE_TEXT = {
    "unknown_major_code": "a major code not in sources/reference/majors.csv (no MoE major class 0899)",
    "unknown_university_code": f"university code {UNKNOWN_UNIVERSITY_CODE} is not in the university register",
    "unknown_industry_code": f"industry code {UNKNOWN_INDUSTRY_CODE}: GB/T 4754-2017 has no division 99",
    "negative_count": "a count below zero",
    "non_numeric_count": "a count that is not a whole number (约…, 若干, 不限)",
    "unknown_education": "学历要求 in a wording that names no level (中专 is below 专科)",
    "end_before_start": "the end date is before the start date",
    "unknown_base": "a base id that no bases file lists",
    "exact_duplicate": "the same row, cell for cell, as an earlier row of the file (duplicate_of_row)",
}

# =====================================================================================================
# File layouts: the source kinds' declared columns (sources/kinds.py), each with its canonical (English) name
# and its Chinese header, in the declared order
# =====================================================================================================

#: declared columns the demo's offices never write (their files carry name, ID and phone, not e-mail; the
#: base already names a placement's host, so no file repeats the host's credit code)
NOT_WRITTEN = frozenset({"email", "host_enterprise_id"})
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    name: tuple((c.name, c.chinese) for c in kind.columns if c.name not in NOT_WRITTEN)
    for name, kind in KINDS.items()
}
#: a unit some staff append to a Chinese header: 招生人数(人)
HEADER_UNITS = {"enrolment": "(人)", "graduates": "(人)", "employed_in_province": "(人)",
                "headcount": "(人)", "monthly_salary": "(元)", "capacity_per_year": "(人)"}
#: columns of numbers (years, counts, amounts), which XLSX files hold as numbers
COUNT_COLUMNS = frozenset(c.name for kind in KINDS.values() for c in kind.columns
                          if c.type in (schema.YEAR, schema.COUNT, schema.AMOUNT))
#: codes that Excel turns into numbers (and so lose leading zeros) when staff do not format them as text
NUMERIC_CODE_COLUMNS = frozenset({"university_code", "major_code", "majors", "phone", "student_id"})
#: names that pick up stray spaces and full-width characters in "messy" files
MESSY_COLUMNS = ("university_name", "major_name", "enterprise_name", "base_name", "position", "skills")
DATE_COLUMNS = tuple(c.name for kind in KINDS.values() for c in kind.columns if c.type is schema.DATE)
TITLES = {"catalogue": "{year}年{province}高校本科专业目录",
          "survey": "{year}年{province}企业人才需求调查表",
          "bases": "{province}高校实践教学基地名录",
          "placements": "{year}年{province}高校学生实习情况汇总"}
SHEET_NAMES = {"catalogue": "专业目录", "survey": "需求调查", "bases": "实践基地",
               "placements": "实习记录"}
OUTCOME_LABELS = {"zh": {"hired": "留用", "completed": "完成", "dropped": "中止"},
                  "en": {"hired": "hired", "completed": "completed", "dropped": "dropped"}}
BOOL_LABELS = {"zh": ("是", "否"), "yes": ("yes", "no"), "yn": ("Y", "N"), "01": ("1", "0")}
FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


@dataclass(frozen=True)
class FileStyle:
    """How one file is written: the habits of whoever sent it."""

    fmt: str  # "csv" or "xlsx"
    encoding: str | None  # "utf-8", "utf-8-sig" or "gbk" for CSV
    header: str  # "zh" (Chinese headers) or "en" (canonical English)
    title: bool = False  # XLSX title row above the header
    codes_as_numbers: bool = False  # 080902 → 80902, C36 → 36
    places: str = "full"  # "full" (沈阳市), "short" (沈阳) or "english" (Shenyang)
    messy: bool = False  # stray spaces, full-width ASCII in names
    units: bool = False  # 招生人数(人)
    date_format: str = "iso"  # placements: iso, slash, dot, compact, excel
    bools: str = "zh"  # hosts_interns: zh 是/否, yes, yn, 01
    optional: bool = True  # optional columns written (employed_in_province, skills, internship_type ...)

    @property
    def first_data_row(self) -> int:
        """Spreadsheet row (1-based) of the first data row."""
        return 3 if self.title else 2


_BASE_FORMATS: tuple[tuple[str, str | None, str, bool], ...] = (
    ("csv", "utf-8", "en", False),
    ("csv", "utf-8-sig", "zh", False),
    ("csv", "gbk", "zh", False),
    ("xlsx", None, "en", False),
    ("xlsx", None, "zh", True),
)


def file_style(kind: str, p_idx: int, y_idx: int, scale: int) -> FileStyle:
    """The style of the file of one kind, province and year: every province sends every format over the
    years, and every year sees three different formats."""
    k_idx = list(COLUMNS).index(kind)
    fmt, encoding, header, title = _BASE_FORMATS[(y_idx + 2 * p_idx + k_idx) % len(_BASE_FORMATS)]
    if kind == "placements" and fmt == "xlsx" and scale >= 20:
        fmt, encoding, title = "csv", "utf-8-sig", False  # XLSX holds ~1M rows and is slow to write
    if header == "zh":
        places = "short" if (y_idx + p_idx) % 4 == 3 else "full"
    else:
        places = "english" if (y_idx + p_idx) % 2 == 0 else "short"
    if kind == "placements":
        date_format = "excel" if fmt == "xlsx" and (y_idx + p_idx) % 2 == 0 else \
            ("iso", "slash", "dot", "compact")[(y_idx + 3 * p_idx) % 4]
    else:
        date_format = "iso"
    return FileStyle(
        fmt=fmt, encoding=encoding, header=header, title=title,
        codes_as_numbers=(y_idx + p_idx) % 3 == 1,
        places=places,
        messy=(3 * y_idx + p_idx) % 4 == 2,
        units=header == "zh" and (y_idx + p_idx) % 3 == 2,
        date_format=date_format,
        bools="zh" if header == "zh" else ("yes", "yn", "01")[(y_idx + p_idx) % 3],
        # one catalogue file without employed_in_province; some placement files without 组织方式 and 实习形式
        optional=not ((kind == "catalogue" and (p_idx, y_idx) == (1, 0))
                      or (kind == "placements" and (y_idx + p_idx) % 3 == 2)),
    )


#: the three bases files, one per province (by province index)
BASES_STYLES = (
    FileStyle("xlsx", None, "zh", title=True, codes_as_numbers=True),
    FileStyle("csv", "gbk", "zh", places="short", units=True),
    FileStyle("csv", "utf-8", "en", places="english", messy=True),
)
OPTIONAL_COLUMNS = {"catalogue": ("employed_in_province", "core_courses"),
                    "survey": ("skills", "hosts_interns", "monthly_salary"),
                    "bases": (), "placements": ("organisation", "mode")}  # 实习类型 always: conversion needs it

# =====================================================================================================
# Reference data
# =====================================================================================================


@dataclass
class Reference:
    provinces: pd.DataFrame
    cities: pd.DataFrame
    universities: pd.DataFrame
    majors: pd.DataFrame
    industries: pd.DataFrame
    crosswalk: pd.DataFrame
    colleges: pd.DataFrame | None = None  # the register's higher-vocational colleges (level 专科)


def load_reference(reference_dir: Path) -> Reference:
    """Read the six reference CSVs (plain UTF-8) as text, exactly as shipped."""

    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(reference_dir / name, dtype=str, keep_default_na=False, encoding="utf-8")

    crosswalk = read("major_industry_crosswalk.csv")
    crosswalk["weight"] = crosswalk["weight"].astype(float)
    universities = read("universities.csv")
    colleges = universities.iloc[:0].drop(columns="level", errors="ignore")
    if "level" in universities.columns:
        # the story is told with the universities (本科); the vocational colleges join it with their own
        # catalogues, bases and placements (build_colleges), not as universities offering bachelor majors
        vocational = universities.level == "专科"
        colleges = universities[vocational].drop(columns="level").reset_index(drop=True)
        universities = universities[~vocational].drop(columns="level").reset_index(drop=True)
    return Reference(read("provinces.csv"), read("cities.csv"), universities, read("majors.csv"),
                     read("industries.csv"), crosswalk, colleges)


def _rng(seed: int, *keys: int) -> np.random.Generator:
    """An independent, reproducible random stream per component (and per province / year)."""
    return np.random.default_rng([seed, *keys])


# component ids for _rng
_UNIVERSITIES, _OFFERINGS, _CATALOGUE, _ENTERPRISES, _SURVEY, _BASES, _PLACEMENTS, _STYLE, _BAD = range(1, 10)
_VOCATIONAL = 25  # extra key: the vocational colleges' streams of the components above


def _short_place(name: str) -> str:
    return re.sub("[省市]$", "", name)


# =====================================================================================================
# Universities, their majors and the catalogue (supply)
# =====================================================================================================


def _profile_of(code: str, name: str) -> str:
    """Profile of a university: the story's table, or a guess from its name for a register we do not know."""
    if code in UNIVERSITY_PROFILE:
        return UNIVERSITY_PROFILE[code]
    for word, profile in NAME_GUESSES:
        if word in name:
            return profile
    return DEFAULT_PROFILE["本科"]


def build_universities(ref: Reference, scale: int, seed: int) -> pd.DataFrame:
    """The register's universities plus, for scale > 1, (scale - 1) synthetic copies of each profile mix."""
    rng = _rng(seed, _UNIVERSITIES)
    cities = ref.cities.set_index("city_name")
    real = ref.universities[["university_code", "university_name", "university_name_en", "province_name",
                             "city_name"]].copy()
    real["profile"] = [_profile_of(c, n) for c, n in zip(real.university_code, real.university_name)]
    real["top"] = real.university_code.isin(TOP_NATIONAL)
    real["synthetic"] = False
    frames = [real]
    n_synthetic = len(real) * (scale - 1)
    if n_synthetic:
        # spread over all 17 cities, more where universities already are
        real_per_city = real.city_name.value_counts().reindex(cities.index, fill_value=0)
        weights = (1.0 + 2.0 * real_per_city).to_numpy()
        city = rng.choice(cities.index.to_numpy(), size=n_synthetic, p=weights / weights.sum())
        profile = np.resize(real.profile.to_numpy(), n_synthetic)
        province = cities.loc[city, "province_name"].to_numpy()
        province_en = ref.provinces.set_index("province_name").loc[province, "province_name_en"].to_numpy()
        number = pd.Series(province).groupby(province).cumcount().to_numpy() + 1
        label = np.array([PROFILES[p].label for p in profile])
        label_en = np.array([PROFILES[p].label_en for p in profile])
        synthetic = pd.DataFrame({
            "university_code": [f"{90001 + i}" for i in range(n_synthetic)],
            "university_name": [f"{_short_place(p)}第{n}{lab}学院"
                                for p, n, lab in zip(province, number, label)],
            "university_name_en": [f"{pe} No. {n} {le} (synthetic)" for pe, n, le in
                                   zip(province_en, number, label_en)],
            "province_name": province, "city_name": city, "profile": profile, "top": False, "synthetic": True,
        })
        frames.append(synthetic)
    unis = pd.concat(frames, ignore_index=True)
    n = len(unis)
    top = unis.top.to_numpy()
    unis["size_factor"] = np.where(top, 1.3, rng.uniform(0.8, 1.1, n))
    # retention (本省就业率): top national universities keep 35-45 %, regional ones 50-68 %
    unis["retention"] = np.where(top, rng.uniform(0.36, 0.45, n), rng.uniform(0.50, 0.66, n))
    unis["coverage_level"] = rng.uniform(0.08, 0.38, n)  # internship coverage is uneven
    unis["province_code"] = cities.loc[unis.city_name, "province_code"].to_numpy()
    unis["city_code"] = cities.loc[unis.city_name, "city_code"].to_numpy()
    return unis


def build_colleges(ref: Reference, seed: int) -> pd.DataFrame:
    """The register's higher-vocational colleges (专科), with the columns of build_universities.

    Their own random stream: adding a college leaves the universities' numbers as they were. Vocational
    graduates mostly stay in their province, and placements (岗位实习 is compulsory) cover more of them.
    """
    rng = _rng(seed, _UNIVERSITIES, _VOCATIONAL)
    cities = ref.cities.set_index("city_name")
    colleges = ref.colleges if ref.colleges is not None else ref.universities.iloc[:0]
    cols = colleges[["university_code", "university_name", "university_name_en", "province_name",
                     "city_name"]].copy().reset_index(drop=True)
    n = len(cols)
    cols["profile"] = [COLLEGE_PROFILE.get(c, DEFAULT_PROFILE["专科"]) for c in cols.university_code]
    cols["top"] = False
    cols["synthetic"] = False
    cols["size_factor"] = rng.uniform(0.8, 1.2, n)
    cols["retention"] = rng.uniform(0.55, 0.68, n)
    cols["coverage_level"] = rng.uniform(0.30, 0.50, n)
    cols["province_code"] = cities.loc[cols.city_name, "province_code"].to_numpy()
    cols["city_code"] = cities.loc[cols.city_name, "city_code"].to_numpy()
    return cols


def build_offerings(ref: Reference, unis: pd.DataFrame, seed: int, key: tuple[int, ...] = ()) -> pd.DataFrame:
    """Which majors each university offers (15-35, fitting its profile), with intake, coverage, retention.

    `key` picks another random stream (the vocational colleges'), so adding colleges leaves the universities'
    numbers as they were.
    """
    rng = _rng(seed, _OFFERINGS, *key)
    available = set(ref.majors.major_code)
    rows: list[tuple[int, str, int]] = []
    for u, (code, profile_name) in enumerate(zip(unis.university_code, unis.profile)):
        profile = PROFILES[profile_name] if profile_name in PROFILES else VOCATIONAL_PROFILES[profile_name]
        signature = UNIVERSITY_EXTRA_MAJORS.get(code, ())
        core = [m for m in dict.fromkeys(profile.core + signature) if m in available]
        pool = [m for m in profile.pool if m in available and m not in core]
        n = int(rng.integers(profile.n_majors[0], profile.n_majors[1] + 1))
        extra = rng.choice(pool, size=max(0, min(len(pool), n - len(core))), replace=False).tolist()
        for pos, major in enumerate(sorted(core + extra), start=1):
            rows.append((u, major, pos))
    off = pd.DataFrame(rows, columns=["u", "major_code", "major_pos"])
    n = len(off)
    majors = off.major_code.to_numpy()
    base = np.array([INTAKE_BY_MAJOR.get(m, INTAKE_BY_DISCIPLINE.get(m[:2], INTAKE_DEFAULT)) for m in majors],
                    dtype=float)
    off["intake"] = base * unis.size_factor.to_numpy()[off.u] * rng.lognormal(0.0, 0.25, n)
    lo = np.array([OPENING_YEARS.get(m, (1990, 1990))[0] for m in majors])
    hi = np.array([OPENING_YEARS.get(m, (1990, 1990))[1] for m in majors])
    off["open_year"] = rng.integers(lo, hi + 1)
    off["trend"] = np.array([INTAKE_TREND.get(m, 0.0) for m in majors])
    off["coverage"] = np.clip(unis.coverage_level.to_numpy()[off.u] * rng.lognormal(0.0, 0.35, n), 0.05, 0.55)
    off["retention"] = np.clip(unis.retention.to_numpy()[off.u] + rng.normal(0.0, 0.04, n), 0.30, 0.72)
    # an offering that only opens after the last year never shows up; drop it
    return off[off.open_year <= YEARS[-1]].reset_index(drop=True)


def build_catalogue(off: pd.DataFrame, seed: int, study_years: int = BACHELOR_YEARS,
                    key: tuple[int, ...] = ()) -> pd.DataFrame:
    """One row per offering and year (2021-2025, once the major is open): enrolment, graduates, retention.

    Graduates of year y are what is left of the intake of y - 4; the cell is empty until a newly opened
    major's first cohort graduates (METRICS.md then projects supply from enrolment).
    """
    rng = _rng(seed, _CATALOGUE, *key)
    years = np.arange(HISTORY_START, YEARS[-1] + 1)
    n, k = len(off), len(years)
    growth = (1.0 + off.trend.to_numpy()[:, None]) ** (years[None, :] - YEARS[0])
    noise = rng.lognormal(0.0, 0.08, (n, k))
    intake = np.maximum(np.rint(off.intake.to_numpy()[:, None] * growth * noise).astype(np.int64), 8)
    open_year = off.open_year.to_numpy()[:, None]
    first = len(years) - len(YEARS)  # column of YEARS[0]
    entry = slice(BACHELOR_YEARS - study_years, BACHELOR_YEARS - study_years + len(YEARS))
    cohort = intake[:, entry]  # intake of y - study_years for y in YEARS (4 for 本科, 3 for 专科)
    graduates = rng.binomial(cohort, rng.uniform(0.90, 0.97, (n, len(YEARS))))
    has_graduates = (years[None, entry] >= open_year)  # cohort started after the major opened
    employed = rng.binomial(graduates, off.retention.to_numpy()[:, None])
    cat = pd.DataFrame({
        "o": np.repeat(np.arange(n), len(YEARS)),
        "year": np.tile(np.array(YEARS), n),
        "enrolment": intake[:, first:].ravel(),
        "graduates": np.where(has_graduates, graduates, -1).ravel(),
        "employed_in_province": np.where(has_graduates, employed, -1).ravel(),
    })
    listed = cat.year.to_numpy() >= open_year.ravel().repeat(len(YEARS))
    return cat[listed].reset_index(drop=True)


# =====================================================================================================
# Enterprises and the demand survey
# =====================================================================================================

_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc(city_code: str, serial: int) -> str:
    """A well-formed but plainly synthetic unified social credit code (GB 32100-2015).

    91 (enterprise) + 6-digit city code + organisation code "MAX" + 5-digit serial + its GB 11714 check,
    + the overall check character. Real codes issued since 2015 start "MA" + seven characters; the
    "MAX<serial>" body is our marker.
    """
    body = f"MAX{serial:05d}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(w * (int(ch) if ch.isdigit() else ord(ch) - 55) for w, ch in zip(weights, body))
    check = 11 - total % 11
    org = body + ("X" if check == 10 else "0" if check == 11 else str(check))
    first17 = f"91{city_code}{org}"
    total = sum(_USCC_CHARS.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS))
    return first17 + _USCC_CHARS[(31 - total % 31) % 31]


def build_enterprises(ref: Reference, scale: int, seed: int) -> pd.DataFrame:
    """Fictional enterprises where their industry clusters (ENTERPRISE_CLUSTERS × scale)."""
    rng = _rng(seed, _ENTERPRISES)
    cities = ref.cities.set_index("city_name")
    industries = set(ref.industries.industry_code)
    rows = []
    seen: dict[str, int] = {}
    for city, clusters in ENTERPRISE_CLUSTERS.items():
        if city not in cities.index:
            continue
        for industry, count in clusters:
            if industry not in industries:
                continue
            products = CITY_PRODUCTS.get((city, industry), INDUSTRY_PRODUCTS[industry])
            for i in range(count * scale):
                stem = f"{_short_place(city)}|{products[i % len(products)]}"
                k = seen.get(stem, 0)
                seen[stem] = k + 1
                # 某, 某甲 … 某癸, 某甲1 …: plainly fictional and unique
                mark = "某" if k == 0 else f"某{_TIANGAN[(k - 1) % 10]}{'' if k <= 10 else (k - 1) // 10}"
                place, product = stem.split("|")
                rows.append((city, industry, f"{place}{mark}{product}有限公司"))
    ent = pd.DataFrame(rows, columns=["city_name", "industry_code", "enterprise_name"])
    ent["province_name"] = cities.loc[ent.city_name, "province_name"].to_numpy()
    ent["city_code"] = cities.loc[ent.city_name, "city_code"].to_numpy()
    ent["enterprise_id"] = [uscc(c, i + 1) for i, c in enumerate(ent.city_code)]
    ent["size"] = rng.lognormal(0.0, 0.5, len(ent))
    return ent


@dataclass(frozen=True)
class _Template:
    """A position as drawn in the survey: an industry's own (industry set) or a general function
    (industry None; drawn with `chance` per enterprise of the GB/T 4754 `sections`)."""

    industry: str | None
    position: Position
    chance: float = 0.0
    sections: str = ""


def _majors_texts(position: Position, names: dict[str, str]) -> list[str]:
    """The ways staff write a position's majors: by code, by name, mixed; separated by 、 ; , or /."""
    codes = list(position.majors)
    by_name = [names[m] for m in codes]
    mixed = [codes[0], *by_name[1:]]
    texts = []
    for sep in ("、", ";", ",", "/"):
        texts += [sep.join(codes), sep.join(by_name), sep.join(mixed)]
    return texts


def build_survey(ref: Reference, ent: pd.DataFrame, hosts: np.ndarray, graduates_by_year: dict[int, int],
                 seed: int, industry_positions: dict[str, tuple[Position, ...]] | None = None,
                 general_positions: tuple[tuple[Position, float, str], ...] | None = None,
                 demand_ratio: dict[int, float] = DEMAND_TO_GRADUATES,
                 draws: tuple[int, int] = (2, 8)) -> pd.DataFrame:
    """Survey rows (one position of one enterprise in one year), vectorised over enterprises.

    Demand is then scaled so that each year's total is DEMAND_TO_GRADUATES of the region's graduates:
    a survey samples enterprises, and shares (not absolutes) decide shortage and surplus.
    The technicians' (专科) positions are drawn by a second call with VOCATIONAL_POSITIONS and the colleges'
    graduates; it shares the random stream, so the same enterprises answer the survey in the same years.
    """
    industry_positions = INDUSTRY_POSITIONS if industry_positions is None else industry_positions
    general_positions = GENERAL_POSITIONS if general_positions is None else general_positions
    rng = _rng(seed, _SURVEY)
    names = dict(zip(ref.majors.major_code, ref.majors.major_name))
    known = set(names)
    # the template table: industry positions, then general ones; majors the reference lacks are dropped
    templates = [_Template(ind, replace_majors(p, known))
                 for ind, positions in industry_positions.items() for p in positions]
    templates += [_Template(None, replace_majors(p, known), chance, sections)
                  for p, chance, sections in general_positions]
    templates = [t for t in templates if t.position.majors]
    positions = [t.position for t in templates]
    texts = np.array([_majors_texts(p, names) for p in positions], dtype=object)

    n_ent = len(ent)
    industry = ent.industry_code.to_numpy()
    city = ent.city_name.to_numpy()
    frames = []
    # who answered which year's survey; everyone at least once (a base's industry is known from surveys)
    answered = rng.random((n_ent, len(YEARS))) < SURVEY_RESPONSE_RATE
    never = ~answered.any(axis=1)
    answered[never, rng.integers(0, len(YEARS), int(never.sum()))] = True
    for y_idx, year in enumerate(YEARS):
        respond = answered[:, y_idx]
        picks: list[tuple[np.ndarray, np.ndarray]] = []
        # industry positions: 2-8 draws per responding enterprise, weighted by the position's weight
        n_draws = np.clip(draws[0] + rng.poisson(2.0 * np.sqrt(ent["size"].to_numpy())), *draws)
        for key in sorted(set(zip(industry, city))):
            members = np.flatnonzero(respond & (industry == key[0]) & (city == key[1]))
            idx = [i for i, template in enumerate(templates) if template.industry == key[0]
                   and (not template.position.cities or key[1] in template.position.cities)]
            if not len(members) or not idx:
                continue
            w = np.array([positions[i].weight for i in idx])
            e = np.repeat(members, n_draws[members])
            picks.append((e, np.array(idx)[rng.choice(len(idx), size=len(e), p=w / w.sum())]))
        # general functions: each with its own chance per enterprise and year
        for i, template in enumerate(templates):
            if template.industry is not None:
                continue
            ok = respond & (rng.random(n_ent) < template.chance)
            if template.sections:
                ok &= np.isin(industry.astype("U1"), list(template.sections))
            if template.position.cities:
                ok &= np.isin(city, template.position.cities)
            e = np.flatnonzero(ok)
            picks.append((e, np.full(len(e), i)))
        e = np.concatenate([p[0] for p in picks])
        t = np.concatenate([p[1] for p in picks])
        rows = pd.DataFrame({"e": e, "t": t}).drop_duplicates().sort_values(["e", "t"], kind="stable")
        rows["year"] = year
        frames.append(rows)
    sv = pd.concat(frames, ignore_index=True)
    e, t = sv.e.to_numpy(), sv.t.to_numpy()
    n = len(sv)
    size = np.array([p.size for p in positions])[t] * ent["size"].to_numpy()[e]
    raw = rng.gamma(2.0, size / 2.0)
    # scale each year's demand to its share of the graduates
    year = sv.year.to_numpy()
    headcount = np.empty(n, dtype=np.int64)
    for y in YEARS:
        sel = year == y
        factor = demand_ratio[y] * graduates_by_year[y] / raw[sel].sum()
        headcount[sel] = np.maximum(1, np.rint(raw[sel] * factor))
    lo = np.array([p.salary[0] for p in positions])[t]
    hi = np.array([p.salary[1] for p in positions])[t]
    city_factor = np.array([CITY_SALARY.get(c, CITY_SALARY_DEFAULT) for c in city])[e]
    salary = np.rint(rng.uniform(lo, hi) * city_factor * 1.04 ** (year - YEARS[0]) / 100) * 100
    education = np.array([p.education for p in positions], dtype=object)[t]
    # the wordings enterprises use: some bachelor posts say 本科及以上, some master's posts 硕士研究生, and
    # technicians' posts 大专, 大专及以上 or 专科及以上 as often as 专科
    wording = rng.random(n)
    education = np.select([(education == "本科") & (wording < 0.15), (education == "硕士") & (wording >= 0.85),
                           (education == "专科") & (wording < 0.30), (education == "专科") & (wording >= 0.85),
                           (education == "专科") & (wording >= 0.75)],
                          ["本科及以上", "硕士研究生", "大专", "大专及以上", "专科及以上"], education)
    hosts_interns = np.where(hosts[e], rng.random(n) < 0.92, rng.random(n) < 0.3)
    return pd.DataFrame({
        "survey_year": year.astype(str),
        "enterprise_id": ent.enterprise_id.to_numpy()[e],
        "enterprise_name": ent.enterprise_name.to_numpy()[e],
        "industry_code": industry[e],
        "province": ent.province_name.to_numpy()[e],
        "city": city[e],
        "position": np.array([p.title for p in positions], dtype=object)[t],
        "majors": texts[t, rng.integers(0, texts.shape[1], n)],
        "education": education,
        "headcount": headcount.astype(str),
        "skills": vary_skill_wordings(np.array([p.skills for p in positions], dtype=object)[t],
                                      _rng(seed, _SURVEY, 1)),
        "hosts_interns": np.where(hosts_interns, "yes", "no"),
        "monthly_salary": salary.astype(np.int64).astype(str),
    })


def replace_majors(position: Position, known: set[str]) -> Position:
    """The position without majors the reference does not list (never invent a code)."""
    majors = tuple(m for m in position.majors if m in known)
    return Position(position.title, majors, position.education, position.skills, position.salary,
                    position.weight, position.size, position.cities)


# =====================================================================================================
# Internship bases and placements
# =====================================================================================================


def build_bases(ref: Reference, unis: pd.DataFrame, off: pd.DataFrame, ent: pd.DataFrame,
                seed: int, key: tuple[int, ...] = ()) -> pd.DataFrame:
    """Each university's bases: enterprises whose industry fits its majors, nearby ones first."""
    rng = _rng(seed, _BASES, *key)
    industries = sorted(set(ref.industries.industry_code))
    d_index = {d: i for i, d in enumerate(industries)}
    cw = ref.crosswalk[ref.crosswalk.industry_code.isin(d_index)]
    majors = sorted(set(off.major_code))
    m_index = {m: i for i, m in enumerate(majors)}
    w = np.zeros((len(majors), len(industries)))
    for m, d, weight in zip(cw.major_code, cw.industry_code, cw.weight):
        if m in m_index:
            w[m_index[m], d_index[d]] = weight
    # fit[u, d]: share of the university's intake whose majors lead to industry d
    share = np.zeros((len(unis), len(majors)))
    np.add.at(share, (off.u.to_numpy(), off.major_code.map(m_index).to_numpy()), off.intake.to_numpy())
    share /= share.sum(axis=1, keepdims=True)
    fit = share @ w
    e_d = ent.industry_code.map(d_index).to_numpy()
    e_city = ent.city_name.to_numpy()
    e_prov = ent.province_name.to_numpy()
    rows = []
    n_bases = np.clip(np.rint(9.0 * unis.size_factor.to_numpy() * rng.uniform(0.6, 1.4, len(unis))), 4, 16)
    for u in range(len(unis)):
        same_province = np.where(e_prov == unis.province_name.iat[u], 1.5, 0.3)
        local = np.where(e_city == unis.city_name.iat[u], 5.0, same_province)
        weight = (fit[u, e_d] + 0.02) * local
        # weighted sampling without replacement (Gumbel top-k)
        keys = np.log(weight) - np.log(-np.log(rng.random(len(weight))))
        chosen = np.argsort(-keys, kind="stable")[: int(n_bases[u])]
        for seq, e in enumerate(chosen, start=1):
            rows.append((u, int(e), seq))
    bases = pd.DataFrame(rows, columns=["u", "e", "seq"])
    n = len(bases)
    # the first base is the oldest: every university has had a base since before 2016
    bases["established_year"] = np.where(bases.seq == 1, rng.integers(2005, 2016, n),
                                         2006 + np.floor(rng.beta(1.3, 1.8, n) * 18).astype(int))
    code = unis.university_code.to_numpy()[bases.u]
    bases["base_id"] = [f"JD-{c}-{s:03d}" for c, s in zip(code, bases.seq)]
    bases["base_name"] = [f"{un}{en}实习基地" for un, en in zip(unis.university_name.to_numpy()[bases.u],
                                                              ent.enterprise_name.to_numpy()[bases.e])]
    return bases


def _csr(groups: np.ndarray, values: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values grouped by group id: (offsets, counts, values sorted by group)."""
    order = np.argsort(groups, kind="stable")
    counts = np.bincount(groups, minlength=n_groups)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return offsets, counts, values[order]


@dataclass
class PlacementModel:
    """Everything the per-province-year placement generator needs, precomputed once."""

    base_u: tuple[np.ndarray, np.ndarray, np.ndarray]  # CSR of bases per university
    base_rel: tuple[np.ndarray, np.ndarray, np.ndarray]  # CSR of fitting bases per offering
    main_base: np.ndarray  # per university: its oldest base
    established: np.ndarray
    hire_rate: np.ndarray  # per base
    home_codes: dict[str, tuple[np.ndarray, np.ndarray]]  # province → city codes of it / of the other two
    names: np.ndarray  # pool of student names


def build_placement_model(ref: Reference, unis: pd.DataFrame, off: pd.DataFrame, ent: pd.DataFrame,
                          bases: pd.DataFrame, seed: int) -> PlacementModel:
    rng = _rng(seed, _PLACEMENTS, 0)
    n_u, n_b = len(unis), len(bases)
    b_u = bases.u.to_numpy()
    b_ind = ent.industry_code.to_numpy()[bases.e]
    base_u = _csr(b_u, np.arange(n_b), n_u)
    main_base = base_u[2][base_u[0]]  # first base of each university (seq 1, the oldest)
    # fitting bases of each offering: the base enterprise's division has w(m, d) > 0 for the major
    fits = set(zip(ref.crosswalk.major_code, ref.crosswalk.industry_code))
    pairs = off[["u", "major_code"]].reset_index().rename(columns={"index": "o"}).merge(
        pd.DataFrame({"u": b_u, "b": np.arange(n_b), "industry": b_ind}), on="u")
    keep = np.array([(m, d) in fits for m, d in zip(pairs.major_code, pairs.industry)], dtype=bool)
    pairs = pairs[keep]
    base_rel = _csr(pairs.o.to_numpy(), pairs.b.to_numpy(), len(off))
    hire = np.array([HIRE_RATE.get(d, HIRE_RATE_DEFAULT) for d in b_ind])
    # students come mostly from the university's own province, some from the other two, a few from afar
    city_codes = ref.cities.city_code.to_numpy().astype(np.int64)
    prov_of_city = ref.cities.province_name.to_numpy()
    home = {p: (city_codes[prov_of_city == p], city_codes[prov_of_city != p]) for p in set(prov_of_city)}
    surname = np.array(list(SURNAMES))
    given = np.array(list(GIVEN_CHARS))
    n_names = 40_000
    first = given[rng.integers(0, len(given), n_names)]
    second = np.where(rng.random(n_names) < 0.7, given[rng.integers(0, len(given), n_names)], "")
    # common surnames are commoner: a Zipf-like weight over the list order
    sw = 1.0 / np.arange(1, len(surname) + 1) ** 0.8
    family = surname[rng.choice(len(surname), n_names, p=sw / sw.sum())]
    names = np.char.add(np.char.add(family, first), second)
    return PlacementModel(base_u, base_rel, main_base, bases.established_year.to_numpy(), hire, home,
                          names.astype(object))


def _mix(values: np.ndarray, salt: int) -> np.ndarray:
    """splitmix64 of (values, salt), vectorised: a reproducible pseudo-random uint64 per value."""
    with np.errstate(over="ignore"):
        z = values.astype(np.uint64) + np.uint64((0x9E3779B97F4A7C15 * (salt + 1)) % 2**64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = np.array(list("10X98765432"))


def id_numbers(region: np.ndarray, birth: np.ndarray, serial: np.ndarray) -> np.ndarray:
    """18-digit resident ID numbers (GB 11643) with a valid check digit, vectorised.

    region: 6-digit ints; birth: datetime64[D]; serial: ints 1-999.
    """
    ymd = pd.DatetimeIndex(birth)
    first17 = (region.astype(np.int64) * 10**11 + (ymd.year.to_numpy() * 10000 + ymd.month.to_numpy() * 100
               + ymd.day.to_numpy()).astype(np.int64) * 1000 + serial.astype(np.int64))
    digits = (first17[:, None] // 10 ** np.arange(16, -1, -1, dtype=np.int64)) % 10
    check = _ID_CHECK[(digits @ _ID_WEIGHTS) % 11]
    return np.char.add(first17.astype(str), check).astype(object)


def _dates_in(year: int, window: tuple[tuple[int, int], tuple[int, int]], n: int,
              rng: np.random.Generator) -> np.ndarray:
    lo = np.datetime64(f"{year}-{window[0][0]:02d}-{window[0][1]:02d}")
    hi = np.datetime64(f"{year}-{window[1][0]:02d}-{window[1][1]:02d}")
    return lo + rng.integers(0, (hi - lo).astype(int) + 1, n).astype("timedelta64[D]")


def build_placements(model: PlacementModel, unis: pd.DataFrame, off: pd.DataFrame, cat: pd.DataFrame,
                     bases: pd.DataFrame, province: str, p_idx: int, year: int,
                     seed: int, study_years: int = BACHELOR_YEARS,
                     key: tuple[int, ...] = ()) -> tuple[pd.DataFrame, np.ndarray]:
    """Placements of one province's universities in one year, vectorised: one row per internship.

    Returns the canonical frame and the base (index into `bases`) of each row, for base utilisation.
    """
    rng = _rng(seed, _PLACEMENTS, p_idx + 1, year, *key)
    c = cat[(cat.year.to_numpy() == year) & (cat.graduates.to_numpy() > 0)]
    c = c[unis.province_name.to_numpy()[off.u.to_numpy()[c.o.to_numpy()]] == province]
    o = c.o.to_numpy()
    g = c.graduates.to_numpy()
    # coverage grows a little every year as bases multiply
    cov = np.clip(off.coverage.to_numpy()[o] + 0.012 * (year - YEARS[0]), 0.05, 0.6)
    # uneven but bounded coverage: 5-60 % of a major's graduates
    n = np.clip(rng.binomial(g, cov), np.ceil(0.05 * g), np.floor(0.6 * g)).astype(np.int64)
    o, g, n = o[n > 0], g[n > 0], n[n > 0]
    s_o = np.repeat(o, n)
    total = len(s_o)
    rank = np.arange(total) - np.repeat(np.cumsum(n) - n, n)
    # distinct student numbers within a (university, major, cohort): evenly spaced with a random phase
    seq = 1 + np.floor((rank + np.repeat(rng.random(len(n)), n)) * np.repeat(g / n, n)).astype(np.int64)
    u = off.u.to_numpy()[s_o]
    ucode = unis.university_code.to_numpy()[u]
    u3 = np.array([int(x[-3:]) for x in unis.university_code])[u]

    # internship type; the graduation internship (毕业实习, spring) is done by this year's graduates, the
    # summer and autumn ones by next year's, so the student number (学号) starts with the right entry year
    kinds = np.array([t[0] for t in INTERNSHIP_TYPES], dtype=object)
    shares = np.array([t[1] for t in INTERNSHIP_TYPES])
    kind = rng.choice(len(INTERNSHIP_TYPES), total, p=shares / shares.sum())
    itype = kinds[kind]
    entry_year = np.where(itype == "毕业实习", year - study_years, year - study_years + 1)
    student_no = entry_year * 10**9 + u3 * 10**6 + off.major_pos.to_numpy()[s_o] * 10**4 + seq

    # personal data (synthetic), a function of (university, student number) so that a student who interns
    # in two years carries the same name, ID number (born ~2000-2004) and mobile number in both files
    key = ucode.astype(np.int64) * 10**13 + student_no

    def draw(salt: int, n: int) -> np.ndarray:
        return (_mix(key, salt) % np.uint64(n)).astype(np.int64)

    name = model.names[draw(1, len(model.names))]
    own_codes, other_codes = model.home_codes[province]
    far_codes = np.array(OUTSIDE_HOME_DIVISIONS, dtype=np.int64)
    where = draw(2, 100)  # 72 % from the university's province, 15 % from the other two, 13 % from afar
    home_city = np.where(where < 72, own_codes[draw(3, len(own_codes))],
                         np.where(where < 87, other_codes[draw(4, len(other_codes))],
                                  far_codes[draw(5, len(far_codes))]))
    district = np.where(home_city % 100 == 0, home_city + 2 + draw(6, 6), home_city)
    birth_year = np.clip(entry_year - 19 + draw(7, 3), 2000, 2004)
    birth = (birth_year - 1970).astype("datetime64[Y]").astype("datetime64[D]") + draw(8, 365)
    id_number = id_numbers(district, birth, 1 + draw(9, 999))
    prefixes = np.array(PHONE_PREFIXES, dtype=np.int64)
    phone = (prefixes[draw(10, len(prefixes))] * 10**8 + draw(11, 10**8)).astype(str)

    # base: a fitting one with probability RELEVANT_PICK (when the university has one), else any of its bases
    rel_off, rel_cnt, rel_val = model.base_rel
    u_off, u_cnt, u_val = model.base_u
    r = rng.random(total)
    fitting = (rng.random(total) < RELEVANT_PICK) & (rel_cnt[s_o] > 0)
    fitting_base = rel_val[np.minimum(rel_off[s_o] + (r * rel_cnt[s_o]).astype(np.int64), len(rel_val) - 1)]
    base = np.where(fitting, fitting_base, u_val[u_off[u] + (r * u_cnt[u]).astype(np.int64)])
    base = np.where(model.established[base] > year, model.main_base[u], base)  # base not open yet

    start = np.empty(total, dtype="datetime64[D]")
    days = np.empty(total, dtype=np.int64)
    for k, (_, _, w_from, w_to, length) in enumerate(INTERNSHIP_TYPES):
        sel = kind == k
        start[sel] = _dates_in(year, (w_from, w_to), int(sel.sum()), rng)
        days[sel] = rng.integers(length[0], length[1] + 1, int(sel.sum()))

    # a few students (not those on their spring graduation internship) also made a short visit in spring:
    # a second row, same student, another base
    twice = np.flatnonzero((rng.random(total) < SECOND_PLACEMENT_RATE) & (itype != "毕业实习"))
    m2 = len(twice)
    second_base = u_val[u_off[u[twice]] + (rng.random(m2) * u_cnt[u[twice]]).astype(np.int64)]
    second_base = np.where(model.established[second_base] > year, model.main_base[u[twice]], second_base)
    rows = np.concatenate([np.arange(total), twice])
    base = np.concatenate([base, second_base])
    start = np.concatenate([start, _dates_in(year, SECOND_INTERNSHIP[1:3], m2, rng)])
    days = np.concatenate([days, rng.integers(SECOND_INTERNSHIP[3][0], SECOND_INTERNSHIP[3][1] + 1, m2)])
    itype = np.concatenate([itype, np.full(m2, SECOND_INTERNSHIP[0], dtype=object)])
    n_rows = len(rows)

    dropped = rng.random(n_rows) < DROP_RATE
    hired = ~dropped & (itype != "认识实习") & (rng.random(n_rows) < model.hire_rate[base])
    outcome = np.where(dropped, "dropped", np.where(hired, "hired", "completed"))
    days = np.where(dropped, np.maximum(1, (days * rng.uniform(0.15, 0.6, n_rows)).astype(np.int64)), days)
    end = start + days.astype("timedelta64[D]")
    # file order: by student number within a university, as a registrar's export would be
    order = np.lexsort((start.astype(np.int64), student_no[rows], ucode[rows].astype(np.int64)))
    rows, base, start, end = rows[order], base[order], start[order], end[order]
    itype, outcome = itype[order], outcome[order]
    frame = pd.DataFrame({
        "year": str(year),
        "student_id": student_no.astype(str)[rows],
        "student_name": name[rows],
        "id_number": id_number[rows],
        "phone": phone[rows],
        "university_code": ucode[rows],
        "major_code": off.major_code.to_numpy()[s_o][rows],
        "base_id": bases.base_id.to_numpy()[base],
        "start_date": start.astype(str),
        "end_date": end.astype(str),
        "outcome": outcome,
        "internship_type": itype,
        "organisation": np.where(rng.random(n_rows) < 0.8, "集中", "分散"),
        "mode": np.where(rng.random(n_rows) < 0.95, "现场", "虚拟"),
    })
    return frame, base


# =====================================================================================================
# Rendering: canonical text frames → what a member of staff's file looks like
# =====================================================================================================


def _place_label(values: pd.Series, style: FileStyle, english: dict[str, str]) -> pd.Series:
    if style.places == "short":
        return values.map(_short_place)
    if style.places == "english":
        return values.map(english)
    return values


def render(kind: str, frame: pd.DataFrame, style: FileStyle, ref: Reference,
           rng: np.random.Generator) -> tuple[list[str], pd.DataFrame]:
    """Headers and cell texts of one file in its style (numbers stay text here; XLSX typing comes later).

    Works on `frame` in place (a placement frame of a province-year at scale 100 holds ~10^7 strings:
    no second copy); the caller hands the frame over.
    """
    columns = [(c, zh) for c, zh in COLUMNS[kind] if style.optional or c not in OPTIONAL_COLUMNS[kind]]
    out = frame
    out.drop(columns=[c for c in out.columns if c not in dict(columns)], inplace=True)
    assert list(out.columns) == [c for c, _ in columns], "canonical frames keep the documented column order"
    english = dict(zip(ref.provinces.province_name, ref.provinces.province_name_en)) | dict(
        zip(ref.cities.city_name, ref.cities.city_name_en))
    for place in ("province", "city"):
        if place in out:
            out[place] = _place_label(out[place], style, english)
    if "level" in out and style.places == "english":
        out["level"] = out["level"].map({"本科": "bachelor", "专科": "vocational"}).fillna(out["level"])
    if "outcome" in out:
        out["outcome"] = out["outcome"].map(OUTCOME_LABELS[style.header]).fillna(out["outcome"])
    if "hosts_interns" in out:
        yes, no = BOOL_LABELS[style.bools]
        out["hosts_interns"] = np.where(out["hosts_interns"] == "yes", yes, no)
    if style.codes_as_numbers:
        if "industry_code" in out:  # C36 → 36, B06 → 06 (the division number)
            out["industry_code"] = out["industry_code"].str.replace(r"^[A-T](?=\d{2}$)", "", regex=True)
        for col in ("university_code", "major_code", "majors"):
            if col in out:  # only cells that are one all-digit code lose their zeros
                out[col] = out[col].str.replace(r"^0+(?=\d+$)", "", regex=True)
    if kind == "placements":
        for col in DATE_COLUMNS:
            out[col] = _format_dates(out[col], style.date_format)
    if style.messy:
        n = len(out)
        for col in MESSY_COLUMNS:
            if col not in out:
                continue
            values = out[col].astype(str)
            wide = rng.random(n) < 0.35  # ASCII letters and digits typed in full-width mode
            values = values.where(~wide, values.str.translate(FULL_WIDTH))
            pad = rng.integers(0, 8, n)  # 5 in 8 cells clean; the rest with stray (ideographic) spaces
            values = np.select([pad == 5, pad == 6, pad == 7],
                               [" " + values, values + " ", "\u3000" + values + " "], values)
            out[col] = values
    headers = [zh + (HEADER_UNITS.get(c, "") if style.units else "") if style.header == "zh" else c
               for c, zh in columns]
    return headers, out


def _format_dates(iso: pd.Series, fmt: str) -> pd.Series:
    if fmt in ("iso", "excel"):  # excel: typed as dates when the workbook is written
        return iso
    if fmt == "compact":
        return iso.str.replace("-", "", regex=False)
    # 2023-07-01 → 2023/7/1 or 2023.7.1 (no zero padding, as Excel's Chinese locale shows dates)
    return iso.str.replace("-0?", "/" if fmt == "slash" else ".", regex=True)


# =====================================================================================================
# Bad rows
# =====================================================================================================


@dataclass
class BadRow:
    kind: str
    rule: str
    column: str | None
    frame_row: int = -1  # position in the final frame (filled once the file is assembled)
    duplicate_of: int = -1


def _inject_invalid(kind: str, frame: pd.DataFrame, plan: list[tuple[str, str | None]],
                    rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray, list[BadRow]]:
    """Add one bad copy of a random row per planned rule (duplicates come after rendering).

    Bad rows are added rather than changing real rows, so the good rows stay the complete scenario and
    loaded + quarantined = rows read. Returns the frame, a marker per row (index into the bad rows, or
    -1) and the bad rows.
    """
    bad_rows: list[BadRow] = []
    if all(rule == "exact_duplicate" for rule, _ in plan):  # most files: nothing to add, no copy
        return frame, np.full(len(frame), -1), bad_rows
    frame = frame.assign(_key=np.arange(len(frame), dtype=float), _bad=-1)
    extra = []
    for rule, column in plan:
        if rule == "exact_duplicate":
            continue
        src = int(rng.integers(0, len(frame)))
        row = frame.iloc[src].copy()
        if rule == "unknown_major_code" and column == "majors":
            row["majors"] = BAD_MAJOR_CLASS + "99"
        elif rule == "unknown_major_code":
            row["major_code"] = BAD_MAJOR_CLASS + row["major_code"][4:]  # 080902 mistyped as 089902
        elif rule == "unknown_university_code":
            row["university_code"] = UNKNOWN_UNIVERSITY_CODE
            if kind == "bases":
                row["base_id"] = f"JD-{UNKNOWN_UNIVERSITY_CODE}-001"
        elif rule == "unknown_industry_code":
            row["industry_code"] = UNKNOWN_INDUSTRY_CODE
        elif rule == "negative_count":
            row[column] = "-" + str(row[column]).lstrip("-")
        elif rule == "non_numeric_count":
            row[column] = {"graduates": "约" + str(row[column]), "headcount": "若干",
                           "capacity_per_year": "不限"}[column]
            if kind == "bases":
                row["base_id"] = row["base_id"][:-3] + "901"  # a new base nobody is placed at
        elif rule == "unknown_education":
            row["education"] = "中专"
        elif rule == "end_before_start":
            row["start_date"], row["end_date"] = row["end_date"], row["start_date"]
        elif rule == "unknown_base":
            row["base_id"] = re.sub(r"\d{3}$", "999", row["base_id"])
        else:
            raise ValueError(f"unknown bad-row rule {rule}")
        row["_key"] = int(rng.integers(0, len(frame))) + 0.5
        row["_bad"] = len(bad_rows)
        bad_rows.append(BadRow(kind, rule, column))
        extra.append(row)
    frame = pd.concat([frame, pd.DataFrame(extra)], ignore_index=True)
    frame = frame.sort_values("_key", kind="stable", ignore_index=True)
    return frame.drop(columns=["_key", "_bad"]), frame["_bad"].to_numpy(dtype=np.int64), bad_rows


def _inject_duplicates(rendered: pd.DataFrame, marker: np.ndarray, plan: list[tuple[str, str | None]],
                       kind: str, bad_rows: list[BadRow],
                       rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """Copy a clean row (as rendered) a few rows further down: an exact duplicate."""
    for rule, column in plan:
        if rule != "exact_duplicate":
            continue
        clean = np.flatnonzero(marker < 0)
        src = int(clean[rng.integers(0, len(clean))])
        at = min(len(rendered), src + 1 + int(rng.integers(0, 30)))
        idx = len(bad_rows)
        bad_rows.append(BadRow(kind, rule, column))
        rendered = pd.concat([rendered.iloc[:at], rendered.iloc[[src]], rendered.iloc[at:]],
                             ignore_index=True)
        marker = np.concatenate([marker[:at], [idx], marker[at:]])
        bad_rows[idx].duplicate_of = src  # the copy goes below its source
    return rendered, marker


# =====================================================================================================
# Writers (deterministic bytes)
# =====================================================================================================

def _cell_kinds(column: str, values: pd.Series, style: FileStyle) -> pd.Series:
    """How Excel holds each cell: counts as numbers, codes as numbers when staff typed them so, dates as
    dates in files whose dates are real Excel dates; everything else as text."""
    kinds = pd.Series(xlsx.TEXT, index=values.index, dtype=object)
    if column in COUNT_COLUMNS:
        kinds[values.str.fullmatch(r"-?\d{1,15}")] = xlsx.NUMBER
    elif style.codes_as_numbers and column in NUMERIC_CODE_COLUMNS:
        kinds[values.str.fullmatch(r"[1-9]\d{0,14}")] = xlsx.NUMBER
    elif column in DATE_COLUMNS and style.date_format == "excel":
        kinds[values.str.fullmatch(r"\d{4}-\d{2}-\d{2}")] = xlsx.DATE
    return kinds


def write_file(path: Path, kind: str, headers: list[str], frame: pd.DataFrame, style: FileStyle,
               title: str) -> tuple[int, str]:
    """Write one source file; return its size and SHA-256 (for the manifest)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if style.fmt == "csv":
        # Excel's "CSV UTF-8" and "CSV" (GBK on Chinese Windows) write CRLF; scripts write LF.
        # Streamed to disk in chunks; encoding errors are strict (every name must be GBK-encodable).
        eol = "\n" if style.encoding == "utf-8" else "\r\n"
        with path.open("w", encoding=style.encoding, newline="") as handle:
            frame.to_csv(handle, index=False, header=headers, lineterminator=eol, chunksize=200_000)
    else:
        kinds = [_cell_kinds(c, frame[c].astype(str), style) for c in frame.columns]
        sheet = xlsx.sheet_xml(headers, frame, kinds, title if style.title else None)
        path.write_bytes(xlsx.workbook_bytes(SHEET_NAMES[kind], sheet, "school-enterprise-portal demo",
                                             FIXED_TIMESTAMP))
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return path.stat().st_size, digest.hexdigest()


# =====================================================================================================
# Orchestration
# =====================================================================================================


def _clear_previous(out_dir: Path) -> None:
    """Remove the files a previous run listed in its manifest (and nothing else)."""
    manifest = out_dir / MANIFEST_NAME
    if not manifest.is_file():
        return
    try:
        previous = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    for entry in previous.get("files", []):
        (out_dir / entry["path"]).unlink(missing_ok=True)
    if previous.get("reference_universities"):
        (out_dir / previous["reference_universities"]).unlink(missing_ok=True)
    manifest.unlink()


class _Writer:
    """Writes files of one run and collects their manifest entries."""

    def __init__(self, out_dir: Path, ref: Reference, seed: int) -> None:
        self.out_dir, self.ref, self.seed = out_dir, ref, seed
        self.files: list[dict[str, Any]] = []
        self.bad_rows: list[dict[str, Any]] = []

    def emit(self, kind: str, name: str, frame: pd.DataFrame, style: FileStyle, province: str,
             year: int | None, plan: list[tuple[str, str | None]]) -> None:
        file_no = len(self.files)
        rng = _rng(self.seed, _STYLE, file_no)
        bad_rng = _rng(self.seed, _BAD, file_no)
        frame, marker, bad = _inject_invalid(kind, frame, plan, bad_rng)
        headers, rendered = render(kind, frame, style, self.ref, rng)
        rendered = rendered.reset_index(drop=True)
        rendered, marker = _inject_duplicates(rendered, marker, plan, kind, bad, bad_rng)
        rel = f"{kind}/{name}.{style.fmt}"
        title = TITLES[kind].format(year=year, province=province)
        size, sha256 = write_file(self.out_dir / rel, kind, headers, rendered, style, title)
        header_of = dict(zip(rendered.columns, headers))
        for idx, bad_row in enumerate(bad):
            pos = int(np.flatnonzero(marker == idx)[0])
            entry: dict[str, Any] = {
                "kind": kind, "file": rel, "row": pos + style.first_data_row,
                "column": bad_row.column, "header": header_of.get(bad_row.column) if bad_row.column else None,
                "rule": bad_row.rule, "detail": RULE_TEXT[bad_row.rule],
                "value": None if bad_row.column is None else str(rendered.iloc[pos][bad_row.column]),
            }
            if bad_row.rule == "exact_duplicate":
                entry["duplicate_of_row"] = bad_row.duplicate_of + style.first_data_row
            self.bad_rows.append(entry)
        variants = [v for v, on in (("title_row", style.title), ("codes_as_numbers", style.codes_as_numbers),
                                    ("messy_names", style.messy), ("header_units", style.units),
                                    ("optional_columns_omitted", not style.optional)) if on]
        self.files.append({
            "path": rel, "kind": kind, "format": style.fmt, "encoding": style.encoding,
            "header_language": style.header, "title_row": title if style.title else None,
            "header_row": style.first_data_row - 1, "first_data_row": style.first_data_row,
            "rows": len(rendered), "columns": headers, "province": province, "year": year,
            "place_names": style.places if {"province", "city"} & set(rendered.columns) else None,
            "date_format": style.date_format if kind == "placements" else None,
            "variants": variants, "bytes": size, "sha256": sha256,
        })


def _canonical_catalogue(unis: pd.DataFrame, off: pd.DataFrame, cat: pd.DataFrame,
                         names: dict[str, str]) -> pd.DataFrame:
    u = off.u.to_numpy()[cat.o.to_numpy()]
    major = off.major_code.to_numpy()[cat.o.to_numpy()]
    graduates = cat.graduates.to_numpy()
    employed = cat.employed_in_province.to_numpy()
    frame = pd.DataFrame({
        "year": cat.year.astype(str).to_numpy(),
        "university_code": unis.university_code.to_numpy()[u],
        "university_name": unis.university_name.to_numpy()[u],
        "province": unis.province_name.to_numpy()[u],
        "city": unis.city_name.to_numpy()[u],
        "level": unis.level.to_numpy()[u] if "level" in unis else "本科",
        "major_code": major,
        "major_name": pd.Series(major).map(names).to_numpy(),
        "enrolment": cat.enrolment.astype(str).to_numpy(),
        "graduates": np.where(graduates >= 0, graduates.astype(str), ""),
        "employed_in_province": np.where(employed >= 0, employed.astype(str), ""),
        "core_courses": pd.Series(major).map(core_courses()).fillna("").to_numpy(),
    })
    return frame.sort_values(["university_code", "major_code"], kind="stable", ignore_index=True)


@cache
def core_courses() -> dict[str, str]:
    """major code → its core courses (sources/demo/core_courses.csv): realistic lists, some deliberately without a
    skill the major's employers ask for (080202 teaches no PLC and no 3D modelling; 080204 teaches PLC)."""
    with (Path(__file__).parent / "core_courses.csv").open(encoding="utf-8", newline="") as f:
        return {row["major_code"]: row["core_courses"] for row in csv.DictReader(f)}


def vary_skill_wordings(cells: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """技能要求 cells as enterprises write them: a wording replaced by a usual variant in a quarter of the cells that
    have one (sources/demo/skill_wordings.csv: 西门子PLC编程 for PLC), a soft requirement appended to a tenth
    (sources/demo/soft_requirements.txt, which no skill matches). Its own random stream, so the rest of the survey
    is as without it."""
    folder = Path(__file__).parent
    with (folder / "skill_wordings.csv").open(encoding="utf-8", newline="") as f:
        variants: dict[str, list[str]] = {}
        for row in csv.DictReader(f):
            variants.setdefault(row["wording"], []).append(row["variant"])
    soft = (folder / "soft_requirements.txt").read_text(encoding="utf-8").split()
    draws = rng.random((len(cells), 3))
    out = []
    for cell, (vary, pick, add) in zip(cells, draws, strict=True):
        pieces = cell.split("、")
        if vary < 0.25:
            i = next((i for i, p in enumerate(pieces) if p in variants), None)
            if i is not None:
                options = variants[pieces[i]]
                pieces[i] = options[int(pick * len(options))]
        if add < 0.10:
            pieces.append(soft[int(pick * len(soft)) % len(soft)])
        out.append("、".join(pieces))
    return np.array(out, dtype=object)


def _plan(kind: str, province: str, year: int | None) -> list[tuple[str, str | None]]:
    """The bad rows planned for one file: (rule, column)."""
    return [(rule, column) for k, p, y, rule, column in BAD_ROW_PLAN if (k, p, y) == (kind, province, year)]


def generate(out_dir: Path, scale: int = 1, seed: int = 2026, reference_dir: Path | None = None) -> dict:
    """Write the demo landing folder under `out_dir` and return its manifest (also written as JSON).

    scale multiplies universities, enterprises and students (majors, cities and years stay); the same
    seed and scale give byte-identical files.
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    out_dir = Path(out_dir)
    ref = load_reference(Path(reference_dir) if reference_dir else settings.REFERENCE_DIR)
    out_dir.mkdir(parents=True, exist_ok=True)
    _clear_previous(out_dir)
    names = dict(zip(ref.majors.major_code, ref.majors.major_name))
    provinces = ref.provinces.province_name.tolist()
    province_en = dict(zip(ref.provinces.province_name, ref.provinces.province_name_en))

    unis = build_universities(ref, scale, seed)
    off = build_offerings(ref, unis, seed)
    cat = build_catalogue(off, seed)
    ent = build_enterprises(ref, scale, seed)
    bases = build_bases(ref, unis, off, ent, seed)
    # the higher-vocational colleges (专科): generated apart, on their own random streams, then appended
    colleges = build_colleges(ref, seed)
    off_c = build_offerings(ref, colleges, seed, key=(_VOCATIONAL,))
    cat_c = build_catalogue(off_c, seed, study_years=VOCATIONAL_YEARS, key=(_VOCATIONAL,))
    bases_c = build_bases(ref, colleges, off_c, ent, seed, key=(_VOCATIONAL,))
    hosts = np.zeros(len(ent), dtype=bool)
    hosts[bases.e.to_numpy()] = True
    hosts[bases_c.e.to_numpy()] = True

    def graduates_of(frame: pd.DataFrame) -> dict[int, int]:
        return {y: int(frame.graduates[(frame.year == y) & (frame.graduates > 0)].sum()) for y in YEARS}

    survey = build_survey(ref, ent, hosts, graduates_of(cat), seed)
    survey_c = build_survey(ref, ent, hosts, graduates_of(cat_c), seed, VOCATIONAL_POSITIONS,
                            VOCATIONAL_GENERAL_POSITIONS, VOCATIONAL_DEMAND_TO_GRADUATES, draws=(1, 4))
    # one survey per enterprise and year: its technicians' positions listed with its other positions
    position = dict(zip(ent.enterprise_id, range(len(ent))))
    survey = pd.concat([survey, survey_c], ignore_index=True)
    survey = survey.iloc[np.lexsort((survey.enterprise_id.map(position).to_numpy(),
                                     survey.survey_year.to_numpy()))].reset_index(drop=True)
    n_unis, n_off, n_bases = len(unis), len(off), len(bases)
    all_unis = pd.concat([unis.assign(level="本科"), colleges.assign(level="专科")], ignore_index=True)
    all_off = pd.concat([off, off_c.assign(u=off_c.u + n_unis)], ignore_index=True)
    all_cat = pd.concat([cat, cat_c.assign(o=cat_c.o + n_off)], ignore_index=True)
    all_bases = pd.concat([bases, bases_c.assign(u=bases_c.u + n_unis)], ignore_index=True)
    graduates_by_year = graduates_of(all_cat)
    totals = {
        "universities": len(unis), "synthetic_universities": int(unis.synthetic.sum()),
        "vocational_colleges": len(colleges),
        "vocational_graduates_by_year": {str(y): n for y, n in graduates_of(cat_c).items()},
        "cities_with_universities": int(unis.city_name.nunique()),
        "cities_with_enterprises": int(ent.city_name.nunique()),
        "majors": int(all_off.major_code.nunique()), "offerings": len(all_off),
        "catalogue_rows": int((all_cat.year >= YEARS[0]).sum()), "enterprises": len(ent),
        "survey_rows": len(survey), "bases": len(all_bases),
        "graduates_by_year": {str(y): graduates_by_year[y] for y in YEARS},
        "employed_in_province_by_year": {str(y): int(all_cat.employed_in_province[(all_cat.year == y)
                                                                               & (all_cat.graduates > 0)].sum())
                                         for y in YEARS},
        "demand_by_year": {str(y): int(survey.headcount[survey.survey_year == str(y)].astype(int).sum())
                           for y in YEARS},
    }
    writer = _Writer(out_dir, ref, seed)
    catalogue = _canonical_catalogue(all_unis, all_off, all_cat, names)
    for kind, frame, year_column in (("catalogue", catalogue, "year"), ("survey", survey, "survey_year")):
        for p_idx, province in enumerate(provinces):
            for y_idx, year in enumerate(YEARS):
                part = frame[(frame.province == province) & (frame[year_column] == str(year))]
                name = f"{province_en[province].lower()}_{year}_{kind}"
                writer.emit(kind, name, part.reset_index(drop=True), file_style(kind, p_idx, y_idx, scale),
                            province, year, _plan(kind, province, year))
    del catalogue, survey, frame, part  # written: free them before the big placement files

    # placements, generated and written per province and year; base use is counted for the capacities
    model = build_placement_model(ref, unis, off, ent, bases, seed)
    model_c = build_placement_model(ref, colleges, off_c, ent, bases_c, seed)
    use = np.zeros((len(all_bases), len(YEARS)), dtype=np.int64)
    totals["placement_rows"] = 0
    for p_idx, province in enumerate(provinces):
        for y_idx, year in enumerate(YEARS):
            placements, base_index = build_placements(model, unis, off, cat, bases, province, p_idx, year,
                                                      seed)
            placements_c, base_index_c = build_placements(model_c, colleges, off_c, cat_c, bases_c, province,
                                                          p_idx, year, seed, VOCATIONAL_YEARS, (_VOCATIONAL,))
            # vocational colleges call the graduation internship 岗位实习 (formerly 顶岗实习)
            placements_c["internship_type"] = placements_c.internship_type.replace("毕业实习", "岗位实习")
            placements = pd.concat([placements, placements_c], ignore_index=True)
            base_index = np.concatenate([base_index, base_index_c + n_bases])
            del placements_c, base_index_c
            use[:, y_idx] += np.bincount(base_index, minlength=len(all_bases))
            totals["placement_rows"] += len(placements)
            writer.emit("placements", f"{province_en[province].lower()}_{year}_placements", placements,
                        file_style("placements", p_idx, y_idx, scale), province, year,
                        _plan("placements", province, year))
            del placements, base_index
            gc.collect()  # pandas frames sit in reference cycles: free this chunk before building the next

    # bases (one file per province of the university), capacity sized on their busiest year
    rng = _rng(seed, _BASES, 1)
    busiest = use.max(axis=1)
    capacity = np.where(busiest > 0, np.ceil(busiest * rng.uniform(0.9, 1.5, len(all_bases)) / 5) * 5,
                        rng.integers(2, 7, len(all_bases)) * 5).astype(np.int64)
    bases_frame = pd.DataFrame({
        "base_id": all_bases.base_id, "base_name": all_bases.base_name,
        "enterprise_id": ent.enterprise_id.to_numpy()[all_bases.e],
        "university_code": all_unis.university_code.to_numpy()[all_bases.u],
        "city": ent.city_name.to_numpy()[all_bases.e],
        "established_year": all_bases.established_year.astype(str),
        "capacity_per_year": capacity.astype(str),
    })
    uni_province = all_unis.province_name.to_numpy()[all_bases.u]
    for p_idx, province in enumerate(provinces):
        writer.emit("bases", f"{province_en[province].lower()}_bases",
                    bases_frame[uni_province == province].reset_index(drop=True),
                    BASES_STYLES[p_idx % len(BASES_STYLES)], province, None, _plan("bases", province, None))

    reference_file = None
    if scale > 1:  # register the synthetic universities beside the landing kinds
        reference_file = settings.LANDING_REFERENCE_UNIVERSITIES.as_posix()
        synthetic = unis[unis.synthetic][list(ref.universities.columns)]
        (out_dir / reference_file).parent.mkdir(parents=True, exist_ok=True)
        text = synthetic.to_csv(index=False, lineterminator="\n")
        (out_dir / reference_file).write_bytes(text.encode("utf-8"))

    manifest = {
        "generator": "sources.demo.generator",
        "seed": seed, "scale": scale, "years": list(YEARS),
        "note": "Not a source file: lists the files written and every deliberately bad row (row = "
                "spreadsheet row, header row 1, or 2 below an XLSX title row).",
        "totals": totals,
        "story": {"shortage_majors": list(SHORTAGE_MAJORS), "surplus_majors": list(SURPLUS_MAJORS)},
        "reference_universities": reference_file,
        "files": writer.files,
        "bad_rows": writer.bad_rows,
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    (out_dir / MANIFEST_NAME).write_text(text, encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the deterministic Northeast demo landing folder.")
    parser.add_argument("--out", type=Path, default=settings.DEFAULT_LANDING)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    manifest = generate(args.out, scale=args.scale, seed=args.seed)
    totals = manifest["totals"]
    print(f"wrote {len(manifest['files'])} files to {args.out}: {totals['universities']} universities, "
          f"{totals['enterprises']} enterprises, {totals['placement_rows']} placements, "
          f"{len(manifest['bad_rows'])} bad rows", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

