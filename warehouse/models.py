"""The SQL models: one SELECT per file, `models/<schema>/<table>.sql` builds table `<schema>.<table>`.

A model's dependencies are the `schema.table` names its SQL reads (as DuckDB's parser reads them:
warehouse/lineage.py), so lineage is never declared twice.
Layers run in the order of LAYERS; within a layer, in dependency order.

A build does only the work its changed inputs call for (warehouse/state.py records what each table was made
from). A model whose SQL and inputs are unchanged keeps its table. A model whose header declares

    -- incremental by: <columns>

may instead be brought up to date by a delta when every input that changed can say which of its rows
changed: its rows for the touched keys are computed again from only the input rows with those keys (each input
that has the key columns is replaced, in the SQL, by a view of its rows with those keys) and compared with the
rows they replace by a hash of every column; only the rows that differ are replaced, and they are what the
models below take their own keys from (a rename changes the facts' lineage columns and nothing below them).
A model no other model reads skips the comparison: its rows of the touched keys are replaced whole.
The header is a promise the model's SQL must keep: each output row depends only on input rows with the same
key values. Where the keys come from:
- an input updated by a delta earlier in this run: the key columns of its rows that changed (old and new);
- a loader's table (raw.<kind>): the key columns of the rows of the files that came in, and of the model's own
  rows of the files that went (facts.placements, by placement identity: a withdrawn resubmission brings back
  the row it had replaced).
The facts of placements are keyed by year and identity, the marts per university by year and university, the
marts that sum or rank across universities by year.
The audit models read the per-build file logs, which are small, and always run (load_log also counts each
file's rows in the tables that keep them, to report the rows a resubmission replaced).

The runner runs models and records what changed (warehouse/state.py: each delta's years and the rows it
brought in); the personal-data scan is a step of its own after it, which reads just those rows.
"""

from __future__ import annotations

import graphlib
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import duckdb
import rapidfuzz

from sources.catalog import column_types
from sources.folding import register_nfkc
from sources.landing_folder import OWN_SUBMISSION_FILES
from warehouse import lineage, settings, skill_matching, state

MODELS_DIR = Path(__file__).resolve().parent / "models"
LAYERS = ("audit", "staging", "dims", "facts", "marts")
#: schemas a model may read from (raw and reference are written by the source loaders)
SOURCE_SCHEMAS = ("raw", "reference")
_INCREMENTAL = re.compile(r"^-- incremental by: *(.+?)\s*$", re.MULTILINE)
#: a delta is worth it only while it touches less than this share of a model's keys
DELTA_AT_MOST = 0.5


@dataclass(frozen=True)
class Model:
    schema: str
    name: str
    path: Path

    @property
    def table(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def description(self) -> str:
        lines = []
        for line in self.sql.splitlines():
            if not line.startswith("--"):
                break
            if not _INCREMENTAL.match(line):
                lines.append(line.lstrip("- ").rstrip())
        return " ".join(lines)

    @property
    def incremental_by(self) -> tuple[str, ...]:
        """The key columns of its declared delta (see the module's docstring); () if it has none."""
        found = _INCREMENTAL.search(self.sql)
        return tuple(c.strip() for c in found.group(1).split(",")) if found else ()

    @cached_property
    def upstream(self) -> tuple[str, ...]:
        """Tables this model reads, as 'schema.table' (its own name excluded)."""
        try:
            read = lineage.table_refs(self.sql)
        except ValueError as error:
            raise ValueError(f"{self.path}: {error}") from None
        refs = set()
        for ref in read:
            if ref.catalog or ref.schema not in SOURCE_SCHEMAS + LAYERS:
                raise ValueError(f"{self.path}: reads {ref.table!r}; a model reads a table as schema.table, "
                                 f"of the schemas {', '.join(SOURCE_SCHEMAS + LAYERS)}")
            # raw.<kind>__files and raw.<kind>__quarantine are written with raw.<kind>, by the same loader
            refs.add(f"{ref.schema}.{ref.name.split('__')[0]}")
        refs.discard(self.table)
        return tuple(sorted(refs))


@cache
def discover() -> tuple[Model, ...]:
    """Every model, in an order that runs each after the models it reads."""
    models = {
        f"{layer}.{p.stem}": Model(layer, p.stem, p)
        for layer in LAYERS
        for p in sorted((MODELS_DIR / layer).glob("*.sql"))
    }
    lineage.parse_ahead(m.sql for m in models.values())
    graph = {table: {u for u in m.upstream if u in models} for table, m in models.items()}
    return tuple(models[t] for t in graphlib.TopologicalSorter(graph).static_order())


@cache
def read_by_models() -> frozenset[str]:
    """The tables some model reads."""
    return frozenset(u for m in discover() for u in m.upstream)


def _settings() -> dict[str, object]:
    return {
        "shortage_alignment": settings.SHORTAGE_ALIGNMENT,
        "surplus_alignment": settings.SURPLUS_ALIGNMENT,
        "min_demand": settings.MIN_DEMAND,
        "min_supply": settings.MIN_SUPPLY,
        "card_years": settings.CARD_YEARS,
        "trend_years": settings.TREND_YEARS,
        "bachelor_lag_years": settings.PROJECTION_LAG_YEARS["本科"],
        "vocational_lag_years": settings.PROJECTION_LAG_YEARS["专科"],
        "region_geography": settings.REGION_GEOGRAPHY,
        "min_group_size": settings.MIN_GROUP_SIZE,
        "skill_fuzzy_threshold": settings.SKILL_FUZZY_THRESHOLD,
        "skill_gap_min_share": settings.SKILL_GAP_MIN_SHARE,
        "min_salary_positions": settings.MIN_SALARY_POSITIONS,
        "own_submission_files": OWN_SUBMISSION_FILES,
    }


def _macros() -> str:
    return (MODELS_DIR / "macros.sql").read_text(encoding="utf-8")


def _literal(value: object) -> str:
    """A setting's value as SQL, typed as a bound parameter of its Python type would be."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"no SQL literal for the setting value {value!r}")
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return f"{value!r}::{'DOUBLE' if isinstance(value, float) else 'BIGINT'}"


def _variables() -> str:
    return "".join(f"SET VARIABLE {name} = {_literal(value)};\n" for name, value in _settings().items())


def with_macros(sql: str) -> str:
    """One script for a reader of the published warehouse: the settings as DuckDB variables, the metric macros,
    the table macros of reader_macros.sql, then `sql`, which calls one of them. DuckDB keeps variables and TEMP
    macros per connection, and the dashboard runs each query on a cursor of its own, so they go with the
    query."""
    reader_macros = (MODELS_DIR / "reader_macros.sql").read_text(encoding="utf-8")
    return f"{_variables()}{_macros()}\n{reader_macros}\n{sql}"


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Settings as DuckDB variables and the metric macros, for one connection (a build's, or the outlook's
    in-memory one). The macros call `nfkc` (skill wordings): DuckDB binds a macro's functions when it is made."""
    register_nfkc(con)
    con.execute(_variables() + _macros())


def code_fingerprint(model: Model) -> str:
    """Everything besides its inputs that decides a model's rows."""
    if "skill_fuzzy_match(" in model.sql:  # a Python function's rows: its code and library decide them too
        return state.digest("model", model.sql, _macros(), _settings(), duckdb.__version__,
                            Path(skill_matching.__file__).read_text(encoding="utf-8"), rapidfuzz.__version__)
    return state.digest("model", model.sql, _macros(), _settings(), duckdb.__version__)


def _stored_order(model: Model) -> str:
    """How a model's rows are stored: a model updated by deltas of whole years in year order. A year's rows
    then fill row groups of their own, and replacing the year drops those (DuckDB's checkpoint vacuums a row
    group that lost a quarter of its rows by rewriting it with its neighbours: with the years mixed, replacing
    one rewrites most of the table). A delta's rows are inserted as computed, unsorted: they are of the years
    it touched, most often one, so sorting them would buy little for its cost, and are replaced together the
    next time those years change (figures: benchmarks/RESULTS.md)."""
    return " ORDER BY year" if model.incremental_by == ("year",) else ""


def _build(con: duckdb.DuckDBPyConnection, model: Model) -> int:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {model.schema}")
    order = _stored_order(model)
    sql = f"SELECT * FROM (\n{model.sql}\n){order}" if order else model.sql
    con.execute(f"CREATE OR REPLACE TABLE {model.table} AS\n{sql}")
    return _rows(con, model)


def _rows(con: duckdb.DuckDBPyConnection, model: Model) -> int:
    return con.execute(f"SELECT count(*) FROM {model.table}").fetchone()[0]


def run_model(con: duckdb.DuckDBPyConnection, model: Model) -> int:
    """(Re)build one model's table whole; returns its row count."""
    prepare(con)
    return _build(con, model)


@dataclass(frozen=True)
class Built:
    model: Model
    rows: int
    seconds: float
    how: str  # "built" | "unchanged" | "delta: <what it touched>"


@dataclass(frozen=True)
class Change:
    """How a model changed by a delta in this run: from which state to which, and the temp table of its rows
    whose content differs (the old versions that left and the new ones that came), which the models below take
    their keys from."""
    from_state: str
    to_state: str
    rows: str


#: columns that say where a row came from, not what it says. A model updated by a delta that has them
#: (facts.placements) is read by no model that uses them: a row whose only change is in them (a placement sent
#: again in an identical copy, or a file renamed) is replaced in its own table but is no change to the models
#: below. Keep it so: a model reading them would miss such changes.
LINEAGE_COLUMNS = ("source_file", "source_row")


#: the schemas only models write (audit also holds the publication's own records, written in warehouse/status.py)
_MODEL_ONLY_SCHEMAS = ("staging", "dims", "facts", "marts")


def drop_retired_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Drop the tables of models that no longer exist (removed or renamed in a new version), with their
    records: a warehouse built by an older version would otherwise keep them, stale, in every publication."""
    built = {m.table for m in discover()}
    retired = [f"{s}.{t}" for s, t in con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND NOT temporary AND schema_name IN (SELECT unnest(?::VARCHAR[])) ORDER BY 1, 2",
        [list(_MODEL_ONLY_SCHEMAS)]).fetchall()]
    retired = [t for t in retired if t not in built]
    for table in retired:
        con.execute(f"DROP TABLE {table}")
        state.forget(con, table)
    return retired


def run_models(con: duckdb.DuckDBPyConnection, selected: Iterable[Model]) -> Iterator[Built]:
    """Bring the selected models up to date, each after the selected models it reads: keep, update by a
    delta, or build whole (see the module's docstring); yields each as it is done."""
    prepare(con)
    state.ensure(con)
    drop_retired_tables(con)
    chosen = set(selected)
    states: dict[str, str | None] = {}  # this run's state of every table read so far
    changes: dict[str, Change] = {}  # the models updated by a delta in this run

    def state_of(table: str) -> str | None:
        if table not in states:
            states[table] = state.current_state(con, table)
        return states[table]

    try:
        for model in discover():
            if model not in chosen:
                continue
            started = time.perf_counter()
            inputs = {u: state_of(u) for u in model.upstream}
            code = code_fingerprint(model)
            recipe = state.digest("recipe", code, inputs)
            before = state.stored_state(con, model.table)
            exists = state.table_exists(con, model.table)
            if model.schema != "audit" and exists and before is not None and before.recipe == recipe:
                how, now = "unchanged", state.TableState(before.state, recipe, code, inputs)
                rows = _rows(con, model)
                state.record_state(con, model.table, now, how)
                state.record_delta(con, model.table, None, now.state, None)
            else:
                plan = (_delta_plan(con, model, before, inputs, code, changes)
                        if exists and before is not None else None)
                con.begin()
                try:
                    if plan is not None:
                        changed_rows, content_changed, added = _apply_delta(
                            con, model, plan, compare=model.table in read_by_models())
                        # no key touched (the inputs changed only in columns the model does not read): kept
                        rows, how = _rows(con, model), "unchanged" if plan.nothing else f"delta: {plan.what}"
                    else:
                        changed_rows = content_changed = added = None
                        rows, how = _build(con, model), "built"
                    content = rows <= state.CONTENT_STATE_MAX_ROWS
                    now = state.TableState(state.content_state(con, model.table) if content else recipe, recipe,
                                           code, inputs)
                    state.record_state(con, model.table, now, how)
                    years = None if changed_rows is None else _years(con, changed_rows)
                    state.record_delta(con, model.table, before.state if changed_rows is not None else None,
                                       now.state, years, added)
                    con.commit()
                except BaseException:
                    con.rollback()
                    raise
                if changed_rows is not None:
                    changes[model.table] = Change(before.state, now.state, content_changed)
                    for done_with in {changed_rows, added} - {content_changed}:
                        con.execute(f"DROP TABLE {done_with}")
            states[model.table] = now.state
            yield Built(model, rows, time.perf_counter() - started, how)
    finally:
        for change in changes.values():
            con.execute(f"DROP TABLE IF EXISTS {change.rows}")


@dataclass(frozen=True)
class DeltaPlan:
    touched_rows: str  # a condition selecting the rows of the touched keys
    views: dict[str, str]  # input → a SELECT of its rows with those keys
    what: str  # what is touched, for `how`
    nothing: bool  # no key is touched: the table stays as it is


def _delta_plan(con: duckdb.DuckDBPyConnection, model: Model, before: state.TableState,
                inputs: dict[str, str | None], code: str, changes: dict[str, Change]) -> DeltaPlan | None:
    """How `model` can be brought up to date by a delta from `before` to its current `inputs`; None when it
    must be built whole.

    The touched keys are the key values of every row that changed in the changed inputs: for a model updated
    by a delta earlier in this run, its rows that differ (`changes`); for a loader's table, the rows of the
    files that came in and the model's own rows of the files that went (so a withdrawn resubmission brings
    back the row it had replaced)."""
    columns = model.incremental_by
    if not columns or before.code != code:
        return None
    changed = [u for u in model.upstream if before.inputs.get(u) != inputs.get(u)]
    if not changed:
        return None
    # one key per row: the year when it is the only key column, else a 64-bit hash of the key columns (which
    # matches NULLs too, as IN would not; two keys sharing a hash are both recomputed, which is still right);
    # with the year beside it, which prunes row groups
    key = "year" if columns == ("year",) else f"hash({', '.join(columns)})"
    year = "year" if "year" in columns else "NULL"
    parts, params, gone, files = [], [], set(), 0
    types = _key_types(con, model.table, columns)
    if types is None:
        return None
    for u in changed:
        change = changes.get(u)
        if change is not None and change.from_state == before.inputs.get(u) and change.to_state == inputs.get(u):
            if _key_types(con, change.rows, columns) != types:
                return None
            parts.append(f"SELECT {year} AS y, {key} AS k FROM {change.rows}")
            continue
        d = state.delta(con, u)  # a loader's delta, recorded by the step that loaded it
        if (d is None or d.new_files is None or d.from_state != before.inputs.get(u) or d.to_state != inputs.get(u)
                or _key_types(con, u, columns) != types or not state.has_column(con, model.table, "source_file")):
            return None
        parts.append(f"SELECT {year} AS y, {key} AS k FROM {u} WHERE source_file IN (SELECT unnest(?::VARCHAR[]))")
        params.append(d.new_files)
        gone.update(d.gone_files)
        files += len(d.new_files) + len(d.gone_files)
    if gone:
        parts.append(f"SELECT {year} AS y, {key} AS k FROM {model.table} WHERE source_file IN (SELECT unnest(?::VARCHAR[]))")
        params.append(sorted(gone))
    con.execute("CREATE OR REPLACE TEMP TABLE _delta_keys AS SELECT DISTINCT y, k FROM ("
                + " UNION ALL ".join(parts) + ")", params)
    touched = con.execute("SELECT count(*) FROM _delta_keys").fetchone()[0]
    # (keys of several columns are weighed against the rows, an upper bound of the keys: a delta is then
    # sometimes chosen where a build would be cheaper, never the other way round)
    held = con.execute(f"SELECT count(DISTINCT year) FROM {model.table}").fetchone()[0] if key == "year" \
        else _rows(con, model)
    if touched > DELTA_AT_MOST * max(held, 1):
        return None
    if key == "year":
        years = [r[0] for r in con.execute("SELECT k FROM _delta_keys ORDER BY k").fetchall()]
        if None in years:
            return None
        condition, what = f"year IN ({state.sql_constants(years)})", "year " + ", ".join(map(str, years))
    else:
        condition = f"{key} IN (SELECT k FROM _delta_keys)"
        years = [r[0] for r in con.execute("SELECT DISTINCT y FROM _delta_keys ORDER BY y").fetchall()]
        if year != "NULL" and None not in years:
            condition = f"year IN ({state.sql_constants(years)}) AND {condition}"
        what = f"{touched} key(s) ({', '.join(columns)})" + (f" of {files} file(s)" if files else "")
    views = {}
    for u in model.upstream:
        input_types = _key_types(con, u, columns)
        if input_types == types:
            views[u] = f"SELECT * FROM {u} WHERE {condition}"
        elif u in changed or input_types is not None:
            return None  # a changed input whose rows cannot be narrowed to the keys, or keys of other types
    return DeltaPlan(condition, views, what, touched == 0)


def _key_types(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...]) -> tuple[str, ...] | None:
    """The types of a table's key columns (a temp table's when it has no schema); None if one is missing. Keys
    are compared by hash, and equal values of different types hash apart, so every table keyed together must
    agree on them."""
    types = column_types(con, table) or {}
    return None if any(c not in types for c in columns) else tuple(types[c] for c in columns)


def _apply_delta(con: duckdb.DuckDBPyConnection, model: Model, plan: DeltaPlan, compare: bool = True
                 ) -> tuple[str, str, str]:
    """Bring the model's rows of the touched keys up to date; returns the temp tables of the rows that differ
    (the old versions that left and the new ones that came), of those whose content differs beyond their
    lineage (what the models below take their keys from; the same table when they are the same rows), and of
    the new ones that came (what the personal-data scan reads; the first table when no old ones left). Rows are
    compared by a hash of all their columns, as multisets: a row computed again equal to one it replaces is
    left in place and is no change to the models below (two different rows sharing a 64-bit hash, a chance of
    about 2^-64, would be taken as equal, as in state.content_state). When the table holds no rows of the
    touched keys, there is nothing to compare: every row computed is inserted, and is the change.

    Without `compare` (a model no other model reads: no model below takes keys from its changes) the rows of
    the touched keys are replaced whole, and the rows handed back are the new ones: a superset of those that
    differ, which is all the personal-data scan needs (the rows that left are gone). Comparing would cost more
    than it saves where most of the touched rows change, as a year of pairing suggestions does when new
    placements move the coverage each of them quotes."""
    changed = f"_changed__{model.schema}__{model.name}"
    names = [d[0] for d in con.execute(f"SELECT * FROM {model.table} LIMIT 0").description]
    columns = ", ".join(f'"{c}"' for c in names)
    if plan.nothing:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {changed} AS SELECT {columns} FROM {model.table} LIMIT 0")
        return changed, changed, changed
    for u, view in plan.views.items():
        con.execute(f"CREATE OR REPLACE TEMP VIEW {_delta_view(u)} AS {view}")
    sql = lineage.replace_tables(model.sql, {u: _delta_view(u) for u in plan.views})
    if compare:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _delta_old AS SELECT rowid AS _row_id, hash({columns}) AS "
                    f"_row_hash FROM {model.table} WHERE {plan.touched_rows}")
    if not compare or con.execute("SELECT count(*) FROM _delta_old").fetchone()[0] == 0:
        # keys the table has no rows of (a late batch of new placements), or nothing below to spare: every row
        # computed is a change, and is not compared with the rows it replaces
        con.execute(f"CREATE OR REPLACE TEMP TABLE {changed} AS SELECT {columns} FROM ({sql}) WHERE {plan.touched_rows}")
        if not compare:
            con.execute(f"DELETE FROM {model.table} WHERE {plan.touched_rows}")
        con.execute(f"INSERT INTO {model.table} SELECT {columns} FROM {changed}")
        content_changed = added = changed
    else:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _delta_new AS SELECT {columns}, hash({columns}) AS _row_hash "
                    f"FROM ({sql}) WHERE {plan.touched_rows}")
        # the row hashes whose count differs between the old rows and the new: every version of them is replaced
        con.execute("""CREATE OR REPLACE TEMP TABLE _delta_hashes AS
            SELECT _row_hash
            FROM (SELECT _row_hash, count(*) AS n FROM _delta_old GROUP BY ALL) AS old
            FULL JOIN (SELECT _row_hash, count(*) AS n FROM _delta_new GROUP BY ALL) AS new USING (_row_hash)
            WHERE old.n IS DISTINCT FROM new.n""")
        con.execute("CREATE OR REPLACE TEMP TABLE _delta_gone AS SELECT _row_id FROM _delta_old SEMI JOIN "
                    "_delta_hashes USING (_row_hash)")
        con.execute(f"CREATE OR REPLACE TEMP TABLE _delta_added AS SELECT {columns} FROM _delta_new SEMI JOIN "
                    "_delta_hashes USING (_row_hash)")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {changed} AS "
                    f"SELECT {columns}, false AS _new FROM {model.table} WHERE rowid IN (SELECT _row_id FROM _delta_gone) "
                    "UNION ALL SELECT *, true FROM _delta_added")
        content_changed = _content_changes(con, changed, names)
        con.execute(f"ALTER TABLE {changed} DROP COLUMN _new")
        con.execute(f"DELETE FROM {model.table} WHERE rowid IN (SELECT _row_id FROM _delta_gone)")
        con.execute(f"INSERT INTO {model.table} SELECT * FROM _delta_added")
        added = f"{changed}__added"
        con.execute(f"ALTER TABLE _delta_added RENAME TO {added}")
    for u in plan.views:
        con.execute(f"DROP VIEW IF EXISTS {_delta_view(u)}")
    for table in ("_delta_new", "_delta_old", "_delta_hashes", "_delta_gone", "_delta_added"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return changed, content_changed, added


def _delta_view(table: str) -> str:
    """The temp view of an input's rows of a delta's touched keys, which the model's SQL reads in its place."""
    return "_delta_in_" + table.replace(".", "_")


def _content_changes(con: duckdb.DuckDBPyConnection, changed: str, names: list[str]) -> str:
    """Of a delta's changed rows (temp table `changed` of columns `names` and `_new`: old versions and new),
    those whose content beyond the LINEAGE_COLUMNS differs, as a temp table; `changed` itself when the model
    has no lineage columns. An old and a new version equal but for their lineage cancel out (compared as
    multisets by a 64-bit hash, as the rows are)."""
    content = [c for c in names if c not in LINEAGE_COLUMNS]
    if len(content) == len(names):
        return changed
    content_hash = "hash(" + ", ".join(f'"{c}"' for c in content) + ")"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {changed}__content AS
        SELECT * EXCLUDE (_new) FROM {changed}
        WHERE {content_hash} IN (
            SELECT {content_hash} FROM {changed} GROUP BY 1
            HAVING count(*) FILTER (WHERE _new) <> count(*) FILTER (WHERE NOT _new))""")
    return f"{changed}__content"


def _years(con: duckdb.DuckDBPyConnection, changed: str) -> list[int] | None:
    """The years of a delta's changed rows (where the personal-data scan looks for them); None without a year."""
    if not state.has_column(con, changed, "year"):
        return None
    years = [r[0] for r in con.execute(f"SELECT DISTINCT year FROM {changed} ORDER BY 1").fetchall()]
    return None if None in years else years  # a row without a year: the scan reads the whole table

