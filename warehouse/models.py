"""The SQL models: one SELECT per file, `models/<schema>/<table>.sql` builds table `<schema>.<table>`.

A model's dependencies are the `schema.table` names its SQL reads, so lineage is never declared twice.
Layers run in the order of LAYERS; within a layer, in dependency order.

A build does only the work its changed inputs call for (warehouse/state.py records what each table was made
from). A model whose SQL and inputs are unchanged keeps its table. A model whose header declares

    -- incremental by: <columns>

may instead be brought up to date by a delta when its inputs changed by a delta of their own: its rows for
the touched keys are deleted and computed again from only the input rows with those keys (each input that
has the columns is replaced, in the SQL, by a view of its rows with those keys). The header is a promise the
model's SQL must keep: each output row depends only on input rows with the same key values.
- `by: year`: the keys are the years an upstream delta touched (facts and marts of placements);
- `by: <identity columns>`: the keys are the hashes of those columns over the rows of the files that came
  and went in a loader's delta (staging.placements: a resubmitted placement replaces the earlier row).
The audit models read the per-build file logs and always run (milliseconds).
"""

from __future__ import annotations

import graphlib
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from sources import settings
from warehouse import state

MODELS_DIR = Path(__file__).resolve().parent / "models"
LAYERS = ("audit", "staging", "dims", "facts", "marts")
#: schemas a model may read from (raw and reference are written by the source loaders)
SOURCE_SCHEMAS = ("raw", "reference")
_TABLE_REF = re.compile(r"\b(" + "|".join(SOURCE_SCHEMAS + LAYERS) + r")\.([a-z_][a-z0-9_]*)\b")
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

    @property
    def upstream(self) -> tuple[str, ...]:
        """Tables this model reads, as 'schema.table' (its own name excluded)."""
        sql = re.sub(r"--[^\n]*", "", self.sql)  # table names in comments are not dependencies
        # raw.<kind>__files and raw.<kind>__quarantine are written with raw.<kind>, by the same loader
        refs = {f"{s}.{t.split('__')[0]}" for s, t in _TABLE_REF.findall(sql)}
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
    graph = {table: {u for u in m.upstream if u in models} for table, m in models.items()}
    return tuple(models[t] for t in graphlib.TopologicalSorter(graph).static_order())


def _settings() -> dict[str, object]:
    return {
        "shortage_alignment": settings.SHORTAGE_ALIGNMENT,
        "surplus_alignment": settings.SURPLUS_ALIGNMENT,
        "bachelor_lag_years": settings.PROJECTION_LAG_YEARS["本科"],
        "vocational_lag_years": settings.PROJECTION_LAG_YEARS["专科"],
        "region_geography": settings.REGION_GEOGRAPHY,
    }


def _macros() -> str:
    return (MODELS_DIR / "macros.sql").read_text(encoding="utf-8")


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Settings as DuckDB variables and the metric macros, for one build connection."""
    for name, value in _settings().items():
        con.execute(f"SET VARIABLE {name} = ?", [value])
    con.execute(_macros())


def code_fingerprint(model: Model) -> str:
    """Everything besides its inputs that decides a model's rows."""
    return state.digest("model", model.sql, _macros(), _settings(), duckdb.__version__)


def _build(con: duckdb.DuckDBPyConnection, model: Model) -> int:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {model.schema}")
    con.execute(f"CREATE OR REPLACE TABLE {model.table} AS\n{model.sql}")
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


def run_models(con: duckdb.DuckDBPyConnection, selected: Iterable[Model]) -> Iterator[Built]:
    """Bring the selected models up to date, each after the selected models it reads: keep, update by a
    delta, or build whole (see the module's docstring); yields each as it is done."""
    prepare(con)
    state.ensure(con)
    chosen = set(selected)
    states: dict[str, str | None] = {}  # this run's state of every table read so far

    def state_of(table: str) -> str | None:
        if table not in states:
            states[table] = state.current_state(con, table)
        return states[table]

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
            plan = _delta_plan(con, model, before, inputs, code) if exists and before is not None else None
            con.begin()
            try:
                if plan is not None:
                    rows, touched = _apply_delta(con, model, plan)
                    how = f"delta: {plan.what}"
                else:
                    rows, touched, how = _build(con, model), None, "built"
                content = rows <= state.CONTENT_STATE_MAX_ROWS
                now = state.TableState(state.content_state(con, model.table) if content else recipe, recipe, code,
                                       inputs)
                state.record_state(con, model.table, now, how)
                state.record_delta(con, model.table, before.state if touched is not None else None, now.state,
                                   touched)
                con.commit()
            except BaseException:
                con.rollback()
                raise
        states[model.table] = now.state
        yield Built(model, rows, time.perf_counter() - started, how)


@dataclass(frozen=True)
class DeltaPlan:
    touched_rows: str  # a condition selecting the rows of the touched keys
    views: dict[str, str]  # input → a SELECT of its rows with those keys
    what: str  # what is touched, for `how`


def _delta_plan(con: duckdb.DuckDBPyConnection, model: Model, before: state.TableState,
                inputs: dict[str, str | None], code: str) -> DeltaPlan | None:
    """How `model` can be brought up to date by a delta from `before` to its current `inputs`; None when it
    must be built whole."""
    columns = model.incremental_by
    if not columns or before.code != code:
        return None
    changed = [u for u in model.upstream if before.inputs.get(u) != inputs.get(u)]
    deltas = {u: state.delta(con, u) for u in changed}
    if not changed or any(d is None or d.from_state != before.inputs.get(u) or d.to_state != inputs.get(u)
                          for u, d in deltas.items()):
        return None
    if columns == ("year",):
        if any(d.years is None for d in deltas.values()):
            return None
        years = sorted({y for d in deltas.values() for y in d.years})
        held = [r[0] for r in con.execute(f"SELECT DISTINCT year FROM {model.table}").fetchall()]
        if len(years) > DELTA_AT_MOST * max(len(held), 1):
            return None
        keys = state.sql_constants(years)
        key = "year"
        what = "year " + ", ".join(map(str, years))
    else:
        # identity keys from the files that came and went: their rows now (new) and the rows the model still
        # holds of them (gone), so a withdrawn resubmission brings back the row it had replaced
        if any(d.new_files is None for d in deltas.values()) or not state.has_column(con, model.table, "source_file"):
            return None
        key = f"hash({', '.join(columns)})"
        parts = [f"SELECT {key} AS k FROM {model.table} WHERE source_file IN (SELECT unnest(?::VARCHAR[]))"]
        params = [sorted({f for d in deltas.values() for f in d.gone_files})]
        for u, d in deltas.items():
            parts.append(f"SELECT {key} FROM {u} WHERE source_file IN (SELECT unnest(?::VARCHAR[]))")
            params.append(d.new_files)
        con.execute("CREATE OR REPLACE TEMP TABLE _delta_keys AS SELECT DISTINCT k FROM (" + " UNION ALL ".join(parts)
                    + ")", params)
        touched = con.execute("SELECT count(*) FROM _delta_keys").fetchone()[0]
        if touched > DELTA_AT_MOST * max(_rows(con, model), 1):
            return None
        keys = "SELECT k FROM _delta_keys"
        files = sum(len(d.new_files) + len(d.gone_files) for d in deltas.values())
        what = f"{touched} key(s) of {files} file(s)"
    views = {}
    for u in model.upstream:
        if all(state.has_column(con, u, c) for c in columns):
            views[u] = f"SELECT * FROM {u} WHERE {key} IN ({keys})"
        elif u in changed:
            return None  # a changed input whose rows cannot be narrowed to the keys
    return DeltaPlan(f"{key} IN ({keys})", views, what)


def _apply_delta(con: duckdb.DuckDBPyConnection, model: Model, plan: DeltaPlan) -> tuple[int, list[int] | None]:
    """Replace the model's rows of the touched keys; returns its row count and the years it touched (None if it
    has no year)."""
    sql, touched_rows = model.sql, plan.touched_rows
    for u, view in plan.views.items():
        name = "_delta_in_" + u.replace(".", "_")
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {view}")
        sql = re.sub(rf"\b{re.escape(u)}\b", name, sql)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _delta_rows AS SELECT * FROM ({sql}) WHERE {touched_rows}")
    has_year = state.has_column(con, model.table, "year")
    years = set()
    if has_year:
        years = {r[0] for r in con.execute(f"SELECT DISTINCT year FROM {model.table} WHERE {touched_rows} "
                                           "UNION SELECT DISTINCT year FROM _delta_rows").fetchall()}
    con.execute(f"DELETE FROM {model.table} WHERE {touched_rows}")
    con.execute(f"INSERT INTO {model.table} BY NAME SELECT * FROM _delta_rows")
    for u in plan.views:
        con.execute(f"DROP VIEW IF EXISTS _delta_in_{u.replace('.', '_')}")
    con.execute("DROP TABLE _delta_rows")
    return _rows(con, model), sorted(y for y in years if y is not None) if has_year else None
