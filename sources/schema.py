"""How a source kind is declared, and the SQL that normalises and validates its rows.

A source kind (catalogue, survey, bases, placements) is a list of columns. Each column has a canonical
English name, the headers staff may write instead (Chinese and English), and a *type*. The type says how
a raw text cell is normalised (a SQL expression) and which rules it must pass (SQL conditions with the
reason a user reads in the quarantine). Validation is therefore set-based SQL over a whole file, not a
Python loop per row.

In the SQL fragments, `{c}` stands for the raw text cell and `{v}` for its normalised value.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from sources import settings
from sources.pseudonymise import STUDENT_KEY_TYPE


@dataclass(frozen=True)
class Check:
    """A rule a normalised cell must pass: `bad` is true when the row breaks it."""

    bad: str
    reason: str  # a SQL expression giving the message (may use {c} and {v})


#: How a cell is prepared, once, before its type normalises it. `{f}` is the cell folded (NFKC; only files
#: that need it are folded, see normalise_select).
PREPARED = {
    "code": "norm_code({f})",  # upper case, no whitespace, no Excel float tail
    "text": "norm_text({f})",  # whitespace runs folded to one space, trimmed
    "folded": "{f}",
}


@dataclass(frozen=True)
class ColumnType:
    """How a column's text becomes a typed value.

    Templates: `{c}` the raw cell, `{f}` the folded cell, `{p}` the prepared cell (`prepare`, see PREPARED),
    `{v}` the normalised value. Each is computed once per cell (as a column of its own), so a template may
    name them as often as it likes at no cost.
    """

    name: str
    sql_type: str  # the type stored in raw.<kind>
    normalise: str  # SQL expression over {p} (and {f})
    checks: tuple[Check, ...] = ()
    prepare: str = "code"


def _not_in(table: str, column: str) -> str:
    """A check that {v} is not a key of a reference table (a NULL value is not one either).

    DuckDB evaluates an IN over a subquery as a hash join, one probe per row. A look-up map of `lk` would be
    scanned key by key (map_contains is linear): each of millions of placements would be compared with
    thousands of university codes at national scale (benchmarks/RESULTS.md, thirteenth session)."""
    return f"NOT coalesce({{v}} IN (SELECT {column} FROM {table}), false)"


def _quoted(c: str) -> str:
    return f"coalesce('''' || {c} || '''', 'empty')"


#: a count as people write it: digits, thousands separators, a decimal point, a unit (DuckDB's casts also take
#: 1e3, 1_000 and a boolean's TRUE, which nobody means as a count)
_COUNT_AS_WRITTEN = r"^\s*-?[0-9][0-9,\s]*(\.[0-9]*)?\s*[人名个]?\s*$"
#: the most people or places one row counts (a major's enrolment, a position's headcount, a base's capacity):
#: anything larger is a typing slip that would swamp every figure it is summed into
MOST_COUNTED = 1_000_000
# (DuckDB's cast to an integer rounds "12.5" to 13: a count with a fraction is caught by comparing the number)
_NOT_WHOLE = Check(
    f"CASE WHEN {{v}} IS NULL OR NOT regexp_full_match({{f}}, '{_COUNT_AS_WRITTEN}') THEN true "
    "WHEN contains({f}, '.') THEN try_cast(norm_number_text({f}) AS DOUBLE) <> {v} ELSE false END",
    "'not a whole number: ' || " + _quoted("{c}"),
)
_NEGATIVE = Check("{v} < 0", "'negative count: ' || {c}")
_TOO_MANY = Check(f"{{v}} > {MOST_COUNTED}", f"'more than {MOST_COUNTED:,}: ' || {{c}}")

# Free text must not carry personal data: a cell with an ID or mobile number or an e-mail address is quarantined
# (and masked).
TEXT = ColumnType(
    "text",
    "VARCHAR",
    "{p}",
    (Check("has_personal_value({f})", "'contains what looks like an ID or mobile number or an e-mail address "
           "(masked here); personal data must not be sent'"),),
    prepare="text",
)
YEAR = ColumnType(
    "year",
    "INTEGER",
    "try_cast({p} AS INTEGER)",
    (Check("{v} IS NULL OR {v} NOT BETWEEN 1990 AND 2100", "'not a year: ' || " + _quoted("{c}")),),
)
# a count as people write it ("1,234", "120人", "３５"); the cast alone takes the plain ones, which are most
COUNT = ColumnType(
    "count",
    "BIGINT",
    "coalesce(try_cast({f} AS BIGINT), try_cast(norm_number_text({f}) AS BIGINT))",
    (_NOT_WHOLE, _NEGATIVE, _TOO_MANY),
    prepare="folded",
)
#: the largest monthly amount believed (yuan): a larger one is an annual figure or a slip
MOST_MONTHLY_AMOUNT = 1_000_000
AMOUNT = ColumnType(
    "amount",
    "DOUBLE",
    "coalesce(try_cast({f} AS DOUBLE), try_cast(norm_number_text({f}) AS DOUBLE))",
    (
        # (the cast takes 'inf' and 'nan')
        Check("{v} IS NULL OR NOT isfinite({v})", "'not a number: ' || " + _quoted("{c}")),
        Check("{v} < 0", "'negative amount: ' || {c}"),
        Check(f"{{v}} > {MOST_MONTHLY_AMOUNT}", f"'more than {MOST_MONTHLY_AMOUNT:,} a month: ' || {{c}}"),
    ),
    prepare="folded",
)
MAJOR_CODE = ColumnType(
    "major_code",
    "VARCHAR",
    "major_code_of({p})",
    (
        Check(
            _not_in("reference.majors", "major_code"),
            "'unknown major code ' || " + _quoted("{c}") + " || ' (not in sources/reference/majors.csv)'",
        ),
    ),
)
UNIVERSITY_CODE = ColumnType(
    "university_code",
    "VARCHAR",
    "{p}",
    (
        Check(
            _not_in("reference.universities", "university_code"),
            "'unknown university code ' || " + _quoted("{c}") + " || ' (not in the university register)'",
        ),
    ),
)
# GB/T 4754 divisions are numbered uniquely across sections, so "36" can be completed to "C36"
INDUSTRY_CODE = ColumnType(
    "industry_code",
    "VARCHAR",
    "coalesce(lk.industry_alias[{p}], {p})",
    (
        Check(
            _not_in("reference.industries", "industry_code"),
            "'unknown industry code ' || " + _quoted("{c}") + " || ' (not a GB/T 4754-2017 division we know)'",
        ),
    ),
)
PROVINCE = ColumnType(
    "province",
    "VARCHAR",
    "coalesce(lk.province_alias[lower({p})], {p})",
    (
        Check(
            _not_in("reference.provinces", "province_name"),
            "'unknown province ' || " + _quoted("{c}"),
        ),
    ),
    prepare="text",
)
CITY = ColumnType(
    "city",
    "VARCHAR",
    "coalesce(lk.city_alias[lower({p})], {p})",
    (Check(_not_in("reference.cities", "city_name"), "'unknown city ' || " + _quoted("{c}")),),
    prepare="text",
)
# A credit code of a government body or a public institution (1…, 5…) can have the shape of an ID number, and an
# ID number the shape of a credit code (a sole trader's form filled in with the owner's ID): neither can be
# stored, as the personal data scan would then refuse the whole build (warehouse/privacy.py).
ENTERPRISE_ID = ColumnType(
    "enterprise_id",
    "VARCHAR",
    "{p}",
    (
        Check(
            "has_personal_value({v})",
            "'has the shape of an ID number (masked here): personal data must not be sent, and a credit code "
            "that cannot be told from one cannot be stored'",
        ),
        Check(
            f"NOT regexp_matches({{v}}, '{settings.USCC_PATTERN}')",
            "'not an 18-character unified social credit code: ' || " + _quoted("{c}"),
        ),
    ),
)
DATE = ColumnType(
    "date", "DATE", "date_of({p})", (Check("{v} IS NULL", "'not a date: ' || " + _quoted("{c}")),)
)
OUTCOME = ColumnType(
    "outcome",
    "VARCHAR",
    "outcome_of({p})",
    (Check("{v} IS NULL", "'unknown outcome ' || " + _quoted("{c}") + " || ' (留用/完成/中止 or hired/completed/dropped)'"),),
)
BOOL = ColumnType(
    "bool", "BOOLEAN", "bool_of({p})", (Check("{v} IS NULL", "'not yes/no: ' || {c}"),)
)
LEVEL = ColumnType(
    "level", "VARCHAR", "level_of({p})", (Check("{v} IS NULL", "'unknown level ' || " + _quoted("{c}")),),
    prepare="text",
)
# a list of majors by code or by name, separated by 、 ; , /; each element must resolve to a known code
MAJOR_LIST = ColumnType(
    "major_list",
    "VARCHAR[]",
    "list_transform(list_filter(string_split_regex({f}, '[、;；,，/]'), lambda e: trim(e) <> ''),"
    " lambda e: coalesce(lk.major_alias[lower(norm_text(e))], lk.major_alias[lower(major_code_of(norm_code(e)))],"
    " '?' || trim(e)))",
    (
        Check("len({v}) = 0", "'no major given'"),
        Check(
            "len(list_filter({v}, lambda e: e[1] = '?')) > 0",
            "'unknown major ' || array_to_string(list_transform(list_filter({v}, lambda e: e[1] = '?'),"
            " lambda e: '''' || e[2:] || ''''), ', ')",
        ),
    ),
    prepare="folded",
)
# The student number is personal: it only ever leaves the reader as a keyed hash (see pseudonymise.py).
# All-digit numbers lose their leading zeros in Excel, so they are compared without them: 00123 = 123.
STUDENT_ID = ColumnType(
    "student_id",
    STUDENT_KEY_TYPE,  # stored only as its keyed pseudonym, student_key
    # (only a number with a leading zero changes: the pattern is tried on those alone)
    "CASE WHEN starts_with({p}, '0') AND regexp_matches({p}, '^[0-9]+$') THEN coalesce(nullif(ltrim({p}, '0'), ''), '0')"
    " ELSE {p} END",
)
#: personal columns are recognised (so they are never mistaken for unknown columns) and never read
PERSONAL = ColumnType("personal", "VARCHAR", "NULL", prepare="folded")


@dataclass(frozen=True)
class Column:
    name: str
    chinese: str
    type: ColumnType
    required: bool = True
    aliases: tuple[str, ...] = ()

    @property
    def personal(self) -> bool:
        return self.type is PERSONAL

    def headers(self) -> tuple[str, ...]:
        return (self.name, self.chinese, *self.aliases)


@dataclass(frozen=True)
class RowRule:
    """A rule over a whole row (several columns); columns are referred to by their canonical names."""

    column: str
    bad: str
    reason: str


#: the DuckDB variable the loader sets, for each file, to the scope of whoever submitted it through the portal
#: (`university:10145`, `enterprise:<credit code>`; NULL for a file put in the landing folder directly), from
#: the file's submissions folder (sources/landing_folder.py, submission_scope)
SUBMISSION_SCOPE_VARIABLE = "submission_scope"


def submitter_scope_rule(column: str, role: str) -> RowRule:
    """The row rule that keeps a submitter to its own rows: in a file submitted through the portal by a
    university (an enterprise), a row of another university code (credit code) is quarantined. A file from a
    submitter of another role (an enterprise's catalogue) has no row of its own: every row is quarantined."""
    scope = f"getvariable('{SUBMISSION_SCOPE_VARIABLE}')"
    return RowRule(
        column,
        f"{scope} IS NOT NULL AND {scope} <> '{role}:' || {{{column}}}",
        f"'{column} ' || {{{column}}} || ' is outside the scope of the submitter (' || {scope} || "
        "'): a submission may only hold its own rows'",
    )


@dataclass(frozen=True)
class SourceKind:
    name: str
    description: str
    columns: tuple[Column, ...]
    row_rules: tuple[RowRule, ...] = field(default_factory=tuple)

    @property
    def stored_columns(self) -> tuple[Column, ...]:
        """Columns that reach the warehouse (personal ones never do)."""
        return tuple(c for c in self.columns if not c.personal)

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required and not c.personal)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def header_key(header: object) -> str:
    """How a header is compared: NFKC, lower case, no spaces/underscores/hyphens, no unit in brackets."""
    text = unicodedata.normalize("NFKC", str(header or "")).lower()
    text = re.sub(r"[(\[][^)\]]*[)\]]", "", text)  # 招生人数(人) → 招生人数
    return re.sub(r"[\s_\-*:]", "", text)


def header_map(kind: SourceKind) -> dict[str, str]:
    """header_key → canonical column name, for every header a column accepts."""
    return {header_key(h): c.name for c in kind.columns for h in c.headers()}


def raw_table_ddl(kind: SourceKind, schema: str = "raw") -> str:
    columns = ",\n    ".join(
        f"{'student_key' if c.type is STUDENT_ID else c.name} {c.type.sql_type}" for c in kind.stored_columns
    )
    return (
        f"CREATE OR REPLACE TABLE {schema}.{kind.name} (\n    source_file VARCHAR NOT NULL,\n"
        f"    source_row INTEGER NOT NULL,\n    {columns}\n)"
    )


def _in_layers(template: str, column: str) -> str:
    """A column template inside the layered SELECT of checked_select: each form is a column of its own."""
    return (
        template.replace("{c}", f'n."_r_{column}"').replace("{f}", f'n."_f_{column}"')
        .replace("{p}", f'n."_p_{column}"').replace("{v}", f'n."{column}"')
    )


def _in_quarantine(template: str, column: str) -> str:
    """A reason template over `r` (the raw row, _incoming) and `n` (the checked row)."""
    if "{p}" in template:
        raise ValueError(f"a reason may quote the cell ({{c}}) or its value ({{v}}), not {{p}}: {template}")
    return (
        template.replace("{c}", f'r."{column}"').replace("{f}", f'nfkc(r."{column}")')
        .replace("{v}", f'n."{column}"')
    )


def checked_select(kind: SourceKind, source: str, *, fold: bool, extra: str = "", row_rules: bool = False,
                   odd_cells: bool = False) -> str:
    """SELECT of source_row, every stored column's normalised value, `extra` and the column checks' flags;
    with `row_rules`, also the row rules' flags (over the duplicates `_duplicates d` too), for kinds whose row
    rules have no window (see Violations.one_pass); with `odd_cells`, the checks of odd_cell_whens too.

    Layered so that each form of a cell is computed once, as a column: the raw text `_r_<col>`, folded
    `_f_<col>` (NFKC, only when `fold`: a file already in NFKC, nearly every file, is not run through it),
    prepared `_p_<col>` (see PREPARED), then the value `<col>`; the checks read those columns. (Macros are
    inlined, so a macro naming its argument three times computes it three times.)
    """
    stored = kind.stored_columns
    folded = ", ".join(
        f'r."{c.name}" AS "_r_{c.name}", {"nfkc(" if fold else "("}r."{c.name}") AS "_f_{c.name}"' for c in stored
    )
    prepared = ", ".join(f'{_in_layers(PREPARED[c.type.prepare], c.name)} AS "_p_{c.name}"' for c in stored)
    values = ", ".join(f'{_in_layers(c.type.normalise, c.name)} AS "{c.name}"' for c in stored)
    names = ", ".join(f'n."{c.name}"' for c in stored)
    rules = violation_sql(kind, odd_cells=odd_cells)
    flags = rules.column_flags + (f", d.first_row, {rules.row_flags}" if row_rules else "")
    duplicates = "LEFT JOIN _duplicates d ON d.source_row = n.source_row" if row_rules else ""
    # only the values read the alias maps (no check does): the kinds whose values name none (placements) are not
    # joined with them, which every row of a projection that carries them pays for
    lookups = "CROSS JOIN _lookups lk" if any("lk." in c.type.normalise for c in stored) else ""
    return f"""
        SELECT n.source_row, {names}, {extra + ", " if extra else ""}{flags}
        FROM (
            SELECT n.*, {values}
            FROM (SELECT n.*, {prepared} FROM (SELECT source_row, {folded} FROM {source} r) n) n
            {lookups}
        ) n {duplicates}"""


@dataclass(frozen=True)
class Violations:
    """SQL for the first rule each row breaks, in column order (see violation_sql)."""

    column_flags: str  # `(cond) AS _broke_<i>, …` of the column checks, inside checked_select
    row_flags: str  # the same for the row rules, over `n` (checked_select's output), `d` (_duplicates), `r`
    flag_names: str  # every `_broke_<i>`, comma-separated
    rule: str  # the index of the first broken rule, over the flags (NULL: the row is good)
    column: str  # the bad column, from `bad_rule`
    reason: str  # the reason, from `bad_rule`, over r (raw row), n (checked row) and d (_duplicates)
    row_rules_read_raw: bool  # whether row_flags name `r` (then _incoming must be joined)
    #: whether the row rules can be evaluated in checked_select itself (no window, no raw cells): one pass
    one_pass: bool


#: the control characters no cell may hold, as RE2 writes them: C0 but tab, line feed and carriage return; DEL;
#: C1. None is in any name, code or number staff type; a NUL ends a string in C and in PostgreSQL, an escape
#: character can rewrite a terminal's output.
CONTROL_CHARACTER = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x{9F}]"


def odd_cell_whens(kind: SourceKind) -> list[tuple[str, str, str]]:
    """(condition, column, reason) of the checks every stored cell passes whatever its type: no control
    character, no more characters than a spreadsheet cell holds. They come before all other rules, so such a
    row is quarantined for them. (They run only on files where the reader found such a cell may be, see
    sources/reading.py, ReadResult.odd_cells.)"""
    whens = []
    for c in kind.stored_columns:
        cell, raw = f'n."_r_{c.name}"', f'r."{c.name}"'
        whens.append((
            f"regexp_matches({cell}, '{CONTROL_CHARACTER}')", c.name,
            f"'holds a control character (' || printf('U+%04X', unicode(regexp_extract({raw}, '{CONTROL_CHARACTER}')))"
            " || '), which no text has: delete it and save the file again'"))
        whens.append((
            f"length({cell}) > {settings.MAX_CELL_CHARS}", c.name,
            f"'a cell of ' || length({raw}) || ' characters, more than the {settings.MAX_CELL_CHARS:,} a spreadsheet "
            "cell holds'"))
    return whens


#: the first characters of a cell that trim() keeps for sure: it removes only spaces (U+0020, U+00A0, U+1680,
#: U+2000 to U+200A, U+202F, U+205F, U+3000), none of them between ! and U+009F
_NOT_TRIMMED = (33, 159)


def _blank(cell: str) -> str:
    """SQL: whether a raw cell is missing or only spaces (`trim(cell) = ''`), trimming only the cells that start
    with a character trim() may remove (a trimmed copy of every cell cost more than the test)."""
    return (f"CASE WHEN {cell} IS NULL THEN true WHEN ascii({cell}) BETWEEN {_NOT_TRIMMED[0]} AND {_NOT_TRIMMED[1]} "
            f"THEN false ELSE trim({cell}) = '' END")


def violation_sql(kind: SourceKind, *, odd_cells: bool = False) -> Violations:
    """The rules of a kind as SQL: first the column checks (in checked_select), then the row rules, over
    checked_select's output `n`, without the alias maps `lk` (a window materialises every column it carries, and
    the maps are large). With `odd_cells`, odd_cell_whens come first.

    Each rule is a boolean column `_broke_<i>`, evaluated once over whole columns. The first broken rule's index
    picks the column and the reason; a CASE only evaluates the branch a row takes, so a good row pays nothing
    for the reason texts, which are built only for the quarantined rows.
    """
    column_whens: list[tuple[str, str, str]] = odd_cell_whens(kind) if odd_cells else []
    for c in kind.stored_columns:
        cell = f'n."_r_{c.name}"'
        if c.required:
            column_whens.append((_blank(cell), c.name, "'missing value'"))
        for check in c.type.checks:
            # a check only judges a value that is there; emptiness is the required rule's job (a CASE, not an AND:
            # a flag is a column of a projection, where DuckDB evaluates both sides of an AND for every row)
            column_whens.append(
                (f"CASE WHEN {cell} IS NOT NULL THEN ({_in_layers(check.bad, c.name)}) ELSE false END", c.name,
                 _in_quarantine(check.reason, c.name))
            )
    # an exact duplicate (every cell as written) of an earlier row of the same file: see duplicates_sql
    row_whens = [("d.first_row IS NOT NULL", "*", "'exact duplicate of row ' || d.first_row")]
    for rule in kind.row_rules:
        row_whens.append((_row_rule(rule.bad), rule.column, _row_rule(rule.reason)))
    whens = column_whens + row_whens
    numbered = list(enumerate(whens, 1))
    return Violations(
        column_flags=", ".join(f"({w}) AS _broke_{i}" for i, (w, _, _) in numbered[: len(column_whens)]),
        row_flags=", ".join(f"({w}) AS _broke_{i}" for i, (w, _, _) in numbered[len(column_whens):]),
        flag_names=", ".join(f"_broke_{i}" for i, _ in numbered),
        rule="CASE " + " ".join(f"WHEN _broke_{i} THEN {i}" for i, _ in numbered) + " END",
        column="[" + ", ".join(f"'{col}'" for _, col, _ in whens) + "][bad_rule]",
        reason="CASE bad_rule " + " ".join(f"WHEN {i} THEN {reason}" for i, (_, _, reason) in numbered) + " END",
        row_rules_read_raw=any("{raw:" in rule.bad for rule in kind.row_rules),
        one_pass=not any("{raw:" in rule.bad or re.search(r"\bOVER\b", rule.bad) for rule in kind.row_rules),
    )


def duplicates_sql(kind: SourceKind, source: str) -> str:
    """SELECT source_row, first_row of every row that repeats an earlier row of `source` cell for cell.

    Only rows whose hash of all cells occurs more than once are compared cell by cell, so a file without
    duplicates costs one hash aggregate instead of a window over every column."""
    cells = ", ".join(f'"{c.name}"' for c in kind.stored_columns)
    return f"""
        SELECT source_row, first_row FROM (
            SELECT source_row, min(source_row) OVER (PARTITION BY {cells}) AS first_row FROM {source}
            WHERE hash({cells}) IN (SELECT h FROM (SELECT hash({cells}) AS h FROM {source}) GROUP BY h
                                    HAVING count(*) > 1)
        ) WHERE source_row > first_row"""


def _row_rule(sql: str) -> str:
    """Row rules name columns as {name} (normalised) and {raw:name} (as written)."""
    sql = re.sub(r"\{raw:(\w+)\}", r'r."\1"', sql)
    return re.sub(r"\{(\w+)\}", r'n."\1"', sql)


# --- columns several source kinds share (same header aliases everywhere) ----------------------------
UNIVERSITY_CODE_COLUMN = Column("university_code", "院校代码", UNIVERSITY_CODE, aliases=("学校代码", "school_code"))
MAJOR_CODE_COLUMN = Column("major_code", "专业代码", MAJOR_CODE, aliases=("code",))
PROVINCE_COLUMN = Column("province", "省份", PROVINCE, aliases=("所在省份", "省"))
CITY_COLUMN = Column("city", "城市", CITY, aliases=("所在城市", "所在地", "市"))
ENTERPRISE_ID_COLUMN = Column("enterprise_id", "统一社会信用代码", ENTERPRISE_ID, aliases=("企业代码", "信用代码", "uscc"))
BASE_ID_COLUMN = Column("base_id", "基地编号", TEXT, aliases=("基地代码", "base_code"))
