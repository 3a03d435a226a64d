"""The demo generator keeps its promises: same seed ⇒ same bytes, realistic size at scale 1, bad rows that
are really bad, and the region's story (software engineering short, marketing in surplus in 沈阳市).

Files are read back independently of the product's loader (decoding GBK / UTF-8-SIG and XLSX here), so
these tests check the generator against the documented contract, not against the code that reads it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from sources import settings as sources_settings
from sources.demo.generator import COLUMNS, YEARS, generate
from warehouse import settings as warehouse_settings

REF = sources_settings.REFERENCE_DIR


# --------------------------------------------------------------------------------------------------
# reading the landing folder back, the way the contract describes it
# --------------------------------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def read_raw(out: Path, entry: dict) -> pd.DataFrame:
    """A file's cells as text, with the headers as written (no normalisation)."""
    path = out / entry["path"]
    if entry["format"] == "csv":
        text = path.read_bytes().decode(entry["encoding"])  # strict: a bad byte fails the test
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    rows = [[_cell_text(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
    header_at = entry["header_row"] - 1
    width = len(rows[header_at])
    body = [row + [""] * (width - len(row)) for row in rows[header_at + 1:]]  # trailing empty cells
    return pd.DataFrame(body, columns=rows[header_at])


def canonical_headers(kind: str, headers: list[str]) -> list[str]:
    by_zh = {zh: c for c, zh in COLUMNS[kind]}
    out = []
    for h in headers:
        h = re.sub(r"\(.*\)$", "", unicodedata.normalize("NFKC", h)).strip()
        out.append(by_zh.get(h, h))
    return out


_CACHE: dict[tuple[Path, str], pd.DataFrame] = {}


def read_kind(out: Path, manifest: dict, kind: str) -> pd.DataFrame:
    """All files of a kind with canonical columns and NFKC-trimmed text; adds source_file / source_row."""
    if (out, kind) in _CACHE:
        return _CACHE[out, kind].copy()
    frames = []
    for entry in manifest["files"]:
        if entry["kind"] != kind:
            continue
        df = read_raw(out, entry)
        df.columns = canonical_headers(kind, list(df.columns))
        df = df.apply(lambda column: column.str.normalize("NFKC").str.strip())
        df["source_file"] = entry["path"]
        df["source_row"] = range(entry["first_data_row"], entry["first_data_row"] + len(df))
        frames.append(df)
    _CACHE[out, kind] = pd.concat(frames, ignore_index=True).fillna("")  # optional columns some files lack
    return _CACHE[out, kind].copy()


def major_code(text: str) -> str:
    return "0" + text if re.fullmatch(r"\d{5}[TK]{0,2}", text) else text


def good_rows(out: Path, manifest: dict, kind: str) -> pd.DataFrame:
    """read_kind without the rows the manifest lists as deliberately bad."""
    bad = {(b["file"], b["row"]) for b in manifest["bad_rows"]}
    frame = read_kind(out, manifest, kind)
    keep = [(f, r) not in bad for f, r in zip(frame.source_file, frame.source_row)]
    return frame[keep].reset_index(drop=True)


def _reference(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name, dtype=str, keep_default_na=False)


def city_names() -> dict[str, str]:
    cities = _reference("cities.csv")
    alias = {}
    for name, en in zip(cities.city_name, cities.city_name_en):
        alias[name] = alias[name.removesuffix("市")] = alias[en] = name
    return alias


def shares(out: Path, manifest: dict, year: int) -> pd.DataFrame:
    """supply_share, demand_share and alignment per (city, major) for one year, from the files only."""
    alias = city_names()
    cat = good_rows(out, manifest, "catalogue")
    cat = cat[(cat.year == str(year)) & (cat.graduates != "")]
    supply = (cat.assign(city=cat.city.map(alias), major=cat.major_code.map(major_code),
                         n=cat.graduates.astype(int)).groupby(["city", "major"]).n.sum())
    names = dict(zip(_reference("majors.csv").major_name, _reference("majors.csv").major_code))
    sv = good_rows(out, manifest, "survey")
    sv = sv[sv.survey_year == str(year)]
    rows = []
    for city, majors, headcount in zip(sv.city.map(alias), sv.majors, sv.headcount.astype(int)):
        parts = [p.strip() for p in re.split(r"[、;,/]", majors) if p.strip()]
        for p in parts:
            rows.append((city, names.get(p, major_code(p)), headcount / len(parts)))
    demand = pd.DataFrame(rows, columns=["city", "major", "n"]).groupby(["city", "major"]).n.sum()
    table = pd.DataFrame({"supply": supply, "demand": demand}).fillna(0.0)
    table["supply_share"] = table.supply / table.supply.groupby(level="city").transform("sum")
    table["demand_share"] = table.demand / table.demand.groupby(level="city").transform("sum")
    table["alignment"] = table.demand_share / table.supply_share
    return table


# --------------------------------------------------------------------------------------------------
# fixtures: one scale-1 landing folder per test module, and a second one for determinism
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo") / "landing"
    manifest = generate(out, scale=1, seed=2026)
    return out, manifest


def test_same_seed_gives_same_bytes(landing: tuple[Path, dict], tmp_path: Path) -> None:
    out, manifest = landing
    again = generate(tmp_path / "again", scale=1, seed=2026)
    assert [f["path"] for f in again["files"]] == [f["path"] for f in manifest["files"]]
    for entry in manifest["files"]:
        first = (out / entry["path"]).read_bytes()
        second = (tmp_path / "again" / entry["path"]).read_bytes()
        assert first == second, entry["path"]
        assert hashlib.sha256(first).hexdigest() == entry["sha256"]
    manifest_bytes = (out / "demo_manifest.json").read_bytes()
    assert manifest_bytes == (tmp_path / "again" / "demo_manifest.json").read_bytes()


def test_manifest_lists_every_file_with_its_format(landing: tuple[Path, dict]) -> None:
    out, manifest = landing
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == sorted([f["path"] for f in manifest["files"]] + ["demo_manifest.json"])
    assert json.loads((out / "demo_manifest.json").read_text(encoding="utf-8")) == manifest
    kinds = pd.Series([f["kind"] for f in manifest["files"]]).value_counts().to_dict()
    assert kinds == {"catalogue": 15, "survey": 15, "placements": 15, "bases": 3}
    formats = {(f["format"], f["encoding"]) for f in manifest["files"]}
    assert formats == {("csv", "utf-8"), ("csv", "utf-8-sig"), ("csv", "gbk"), ("xlsx", None)}
    assert {f["header_language"] for f in manifest["files"]} == {"zh", "en"}
    assert any(f["title_row"] for f in manifest["files"])
    assert any("codes_as_numbers" in f["variants"] for f in manifest["files"])
    assert any("messy_names" in f["variants"] for f in manifest["files"])
    for f in manifest["files"]:
        assert len(read_raw(out, f)) == f["rows"], f["path"]
        if f["encoding"] == "utf-8-sig":
            assert (out / f["path"]).read_bytes().startswith(b"\xef\xbb\xbf")


def test_scale_one_is_a_realistic_region(landing: tuple[Path, dict]) -> None:
    out, manifest = landing
    cat = read_kind(out, manifest, "catalogue")
    survey = read_kind(out, manifest, "survey")
    bases = read_kind(out, manifest, "bases")
    placements = read_kind(out, manifest, "placements")
    listed = _reference("universities.csv")
    register = set(listed[listed.level == "本科"].university_code)
    colleges = set(listed[listed.level == "专科"].university_code)
    assert len(set(cat.university_code) & register) >= 20
    assert set(cat.university_code) & register == register  # all 25 universities of the register
    assert set(cat.university_code) & colleges == colleges  # and all its higher-vocational colleges
    assert cat.city.map(city_names()).nunique() >= 8
    cities = set(cat.city.map(city_names())) | set(survey.city.map(city_names()))
    assert len(cities) >= 12
    majors = set(cat.major_code.map(major_code)) & set(_reference("majors.csv").major_code)
    assert len(majors) >= 60
    offered = cat[(cat.year == "2025") & cat.university_code.isin(register)]
    per_university = offered.groupby("university_code").major_code.nunique()
    assert per_university.between(15, 35).all()
    assert survey.enterprise_id.nunique() >= 120
    assert all(re.fullmatch(sources_settings.USCC_PATTERN, e) and re.search("[A-Z]", e)
               for e in survey.enterprise_id)
    for frame, column in ((cat, "year"), (survey, "survey_year"), (placements, "year")):
        assert set(frame[column]) == {str(y) for y in YEARS}
    assert 150 <= bases[bases.university_code.isin(register)].base_id.nunique() <= 300
    assert 80 <= bases[bases.university_code.isin(colleges)].base_id.nunique() <= 250
    # personal data is synthetic but well-formed
    assert placements.id_number.str.fullmatch(r"\d{17}[\dX]").all()
    assert placements.phone.str.fullmatch(r"1[3-9]\d{9}").all()
    assert placements.id_number.str[6:10].astype(int).between(2000, 2004).all()


def test_id_numbers_have_valid_check_digits(landing: tuple[Path, dict]) -> None:
    out, manifest = landing
    ids = read_kind(out, manifest, "placements").id_number.head(2000)
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    for number in ids:
        total = sum(int(d) * w for d, w in zip(number[:17], weights))
        assert "10X98765432"[total % 11] == number[17]


def test_enterprise_codes_carry_valid_check_characters(landing: tuple[Path, dict]) -> None:
    """GB 32100-2015: the 18th character checks the first 17 (and the 17th the organisation code)."""
    out, manifest = landing
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [pow(3, i, 31) for i in range(17)]
    for code in read_kind(out, manifest, "survey").enterprise_id.unique():
        total = sum(chars.index(c) * w for c, w in zip(code[:17], weights))
        assert chars[(31 - total % 31) % 31] == code[17], code
        body = code[8:16]  # GB 11714 organisation code: letters count A=10 … Z=35
        org = sum(w * int(c, 36) for w, c in zip([3, 7, 9, 10, 5, 8, 4, 2], body))
        assert {10: "X", 11: "0"}.get(11 - org % 11, str(11 - org % 11)) == code[16], code


def test_xlsx_files_read_the_same_in_openpyxl(landing: tuple[Path, dict]) -> None:
    """The demo's own XLSX writer: openpyxl sees the same cells as python-calamine."""
    out, manifest = landing
    for entry in [f for f in manifest["files"] if f["format"] == "xlsx"][:4]:
        sheet = load_workbook(out / entry["path"], read_only=True).worksheets[0]
        rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        header = rows[entry["header_row"] - 1]
        assert header == entry["columns"]
        width = len(header)
        body = [row + [""] * (width - len(row)) for row in rows[entry["header_row"]:]]
        assert pd.DataFrame(body, columns=header).equals(read_raw(out, entry)), entry["path"]


def test_every_manifest_bad_row_is_really_bad(landing: tuple[Path, dict]) -> None:
    out, manifest = landing
    assert 10 <= len(manifest["bad_rows"]) <= 20
    assert {b["kind"] for b in manifest["bad_rows"]} == {"catalogue", "survey", "bases", "placements"}
    majors = set(_reference("majors.csv").major_code)
    major_names = set(_reference("majors.csv").major_name)
    universities = set(_reference("universities.csv").university_code)
    industries = set(_reference("industries.csv").industry_code)
    industries |= {code[1:] for code in industries}  # "36" stands for C36
    entries = {f["path"]: f for f in manifest["files"]}
    base_ids = set(read_kind(out, manifest, "bases").base_id)
    for bad in manifest["bad_rows"]:
        entry = entries[bad["file"]]
        raw = read_raw(out, entry)
        raw.columns = canonical_headers(entry["kind"], list(raw.columns))
        row = raw.iloc[bad["row"] - entry["first_data_row"]]
        value = unicodedata.normalize("NFKC", str(row[bad["column"]])).strip() if bad["column"] else None
        rule = bad["rule"]
        if rule == "unknown_major_code" and bad["column"] == "majors":
            parts = [p.strip() for p in re.split(r"[、;,/]", value)]
            assert any(major_code(p) not in majors and p not in major_names for p in parts), bad
        elif rule == "unknown_major_code":
            assert major_code(value) not in majors, bad
        elif rule == "unknown_university_code":
            assert value not in universities, bad
        elif rule == "unknown_industry_code":
            assert value not in industries, bad
        elif rule == "negative_count":
            assert int(value) < 0, bad
        elif rule == "non_numeric_count":
            assert not re.fullmatch(r"-?\d+", value), bad
        elif rule == "end_before_start":
            parse = lambda text: pd.Timestamp(re.sub(r"[/.]", "-", text) if not text.isdigit() else text)  # noqa: E731
            assert parse(value) < parse(str(row["start_date"])), bad
        elif rule == "unknown_base":
            assert value not in base_ids, bad
        elif rule == "unknown_education":  # not one of the wordings docs/data-contracts.md lists
            assert value not in ("专科", "大专", "高职", "专科及以上", "大专及以上", "本科", "本科及以上", "学士", "研究生",
                                 "硕士", "硕士研究生", "硕士及以上", "博士", "博士研究生", "不限", "无要求", "学历不限"), bad
        elif rule == "exact_duplicate":
            twin = raw.iloc[bad["duplicate_of_row"] - entry["first_data_row"]]
            assert bad["duplicate_of_row"] < bad["row"]
            assert list(row) == list(twin), bad
        else:
            pytest.fail(f"unexpected rule {rule}")


def test_no_accidental_bad_rows(landing: tuple[Path, dict]) -> None:
    """Apart from the manifest's rows, every row keeps the contract (so quarantine = the manifest)."""
    out, manifest = landing
    alias = city_names()
    majors = set(_reference("majors.csv").major_code)
    major_names = dict(zip(_reference("majors.csv").major_name, _reference("majors.csv").major_code))
    universities = set(_reference("universities.csv").university_code)
    industries = set(_reference("industries.csv").industry_code)
    industries |= {code[1:] for code in industries}
    whole = r"\d+"

    cat = good_rows(out, manifest, "catalogue")
    assert cat.major_code.map(major_code).isin(majors).all()
    assert cat.university_code.isin(universities).all()
    assert cat.city.map(alias).notna().all()
    assert not cat.duplicated(["year", "university_code", "major_code"]).any()
    assert cat.enrolment.str.fullmatch(whole).all()
    graduates = cat[cat.graduates != ""]
    assert graduates.graduates.str.fullmatch(whole).all()
    employed = graduates.employed_in_province.replace("", "0").astype(int)
    assert (employed <= graduates.graduates.astype(int)).all()

    survey = good_rows(out, manifest, "survey")
    assert survey.industry_code.isin(industries).all()
    assert survey.headcount.str.fullmatch(whole).all()
    assert survey.city.map(alias).notna().all()
    assert survey.enterprise_id.str.fullmatch(sources_settings.USCC_PATTERN).all()
    for cell in survey.majors.unique():
        for part in re.split(r"[、;,/]", cell):
            assert major_code(part.strip()) in majors or part.strip() in major_names, cell

    bases = good_rows(out, manifest, "bases")
    assert bases.base_id.is_unique
    assert bases.university_code.isin(universities).all()
    assert bases.capacity_per_year.str.fullmatch(whole).all()

    placements = good_rows(out, manifest, "placements")
    assert placements.base_id.isin(set(bases.base_id)).all()
    assert placements.university_code.isin(universities).all()
    assert placements.major_code.map(major_code).isin(majors).all()
    assert not placements.duplicated().any()
    assert set(placements.outcome) <= {"留用", "完成", "中止", "hired", "completed", "dropped"}
    start, end = (pd.to_datetime(placements[c].str.replace(r"[/.]", "-", regex=True), format="mixed")
                  for c in ("start_date", "end_date"))
    assert (end >= start).all()


def test_story_software_short_and_marketing_surplus_in_shenyang(landing: tuple[Path, dict]) -> None:
    out, manifest = landing
    for year in YEARS:
        table = shares(out, manifest, year).loc["沈阳市"]
        assert table.loc["080902", "alignment"] >= warehouse_settings.SHORTAGE_ALIGNMENT, year
        assert table.loc["120202", "alignment"] <= warehouse_settings.SURPLUS_ALIGNMENT, year


def test_retention_and_survey_volume(landing: tuple[Path, dict]) -> None:
    out, manifest = landing
    cat = good_rows(out, manifest, "catalogue")  # a bad row's copied numbers are one offering's, not a university's
    cat = cat[(cat.graduates != "") & (cat.employed_in_province != "")]
    by_uni = cat.groupby("university_code")[["graduates", "employed_in_province"]].agg(
        lambda s: s.astype(int).sum())
    retention = by_uni.employed_in_province / by_uni.graduates
    assert retention.between(0.33, 0.72).all()
    assert retention.loc["10213"] < retention.median()  # top national universities keep fewer
    totals = manifest["totals"]
    for year in YEARS:
        ratio = totals["demand_by_year"][str(year)] / totals["graduates_by_year"][str(year)]
        assert 0.2 <= ratio <= 0.4


def test_an_edited_scenario_file_changes_what_is_generated(landing: tuple[Path, dict], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The scenario is data (sources/demo/scenario/): renaming a product, a position and a story major in a copy
    of the files, and nothing in Python, changes the enterprises, the survey and the manifest accordingly."""
    import shutil

    from sources.demo import generator

    copy = tmp_path / "scenario"
    shutil.copytree(generator.SCENARIO_DIR, copy)
    for name, old, new in (("products.csv", "C34,,机床、", "C34,,齿轮箱、"),
                           ("positions.csv", "本科,I65,Java开发工程师,", "本科,I65,Kotlin开发工程师,"),
                           ("majors.csv", "120204,surplus,", "120204,,")):
        text = (copy / name).read_text(encoding="utf-8")
        assert old in text, (name, old)
        (copy / name).write_text(text.replace(old, new), encoding="utf-8")
    edited = generator.load_scenario(copy)
    for field in ("industry_products", "industry_positions", "surplus_majors"):
        monkeypatch.setattr(generator, field.upper(), getattr(edited, field))
    out = tmp_path / "edited"
    manifest = generate(out, scale=1, seed=2026)

    def enterprises_and_positions(folder: Path, man: dict) -> tuple[set[str], set[str]]:
        survey = read_kind(folder, man, "survey")
        return set(survey.enterprise_name), set(survey.position)

    before_names, before_positions = enterprises_and_positions(*landing)
    names, positions = enterprises_and_positions(out, manifest)
    assert "沈阳某机床有限公司" in before_names and "沈阳某机床有限公司" not in names
    assert "沈阳某齿轮箱有限公司" in names
    assert "Java开发工程师" in before_positions and "Java开发工程师" not in positions
    assert "Kotlin开发工程师" in positions
    assert "120204" in landing[1]["story"]["surplus_majors"]
    assert "120204" not in manifest["story"]["surplus_majors"]


def test_every_code_and_city_the_scenario_names_is_in_the_reference() -> None:
    """The generator skips a code the reference lacks (it never invents one), so a typo in a scenario file would
    silently shrink the story: each major, industry, institution and city the files name must be a real one."""
    from sources.demo.generator import load_reference, load_scenario

    ref = load_reference(REF)
    s = load_scenario()
    profiles = [*s.profiles.values(), *s.vocational_profiles.values()]
    all_positions = [p for ps in [*s.industry_positions.values(), *s.vocational_positions.values()] for p in ps]
    all_positions += [p for p, _, _ in s.general_positions + s.vocational_general_positions]
    majors = {m for p in profiles for m in p.core + p.pool} | {m for p in all_positions for m in p.majors}
    majors |= {m for ms in s.extra_majors.values() for m in ms} | set(s.intake_by_major) | set(s.intake_trend)
    majors |= set(s.opening_years) | set(s.shortage_majors) | set(s.surplus_majors)
    assert majors - set(ref.majors.major_code) == set()
    industries = set(s.industry_positions) | set(s.vocational_positions) | set(s.hire_rate) | set(s.industry_products)
    industries |= {d for clusters in s.enterprise_clusters.values() for d, _ in clusters}
    assert industries - set(ref.industries.industry_code) == set()
    cities = set(s.enterprise_clusters) | set(s.city_salary) | {c for c, _ in s.city_products}
    cities |= {c for p in all_positions for c in p.cities}
    assert cities - set(ref.cities.city_name) == set()
    listed = set(s.university_profile) | set(s.college_profile)
    register = set(ref.universities.university_code) | set(ref.colleges.university_code)
    assert listed == register  # each register institution has its profile, and no profile names a stranger
    assert set(s.shortage_majors) and set(s.surplus_majors) and not set(s.shortage_majors) & set(s.surplus_majors)
