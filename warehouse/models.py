"""The SQL models: one SELECT per file, `models/<schema>/<table>.sql` builds table `<schema>.<table>`.

A model's dependencies are the `schema.table` names its SQL reads, so lineage is never declared twice.
Layers run in the order of LAYERS; within a layer, in dependency order.
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

MODELS_DIR = Path(__file__).resolve().parent / "models"
LAYERS = ("audit", "staging", "dims", "facts", "marts")
#: schemas a model may read from (raw and reference are written by the source loaders)
SOURCE_SCHEMAS = ("raw", "reference")
_TABLE_REF = re.compile(r"\b(" + "|".join(SOURCE_SCHEMAS + LAYERS) + r")\.([a-z_][a-z0-9_]*)\b")


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
            lines.append(line.lstrip("- ").rstrip())
        return " ".join(lines)

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


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Settings as DuckDB variables and the metric macros, for one build connection."""
    con.execute("SET VARIABLE shortage_alignment = ?", [settings.SHORTAGE_ALIGNMENT])
    con.execute("SET VARIABLE surplus_alignment = ?", [settings.SURPLUS_ALIGNMENT])
    con.execute("SET VARIABLE bachelor_lag_years = ?", [settings.PROJECTION_LAG_YEARS["本科"]])
    con.execute("SET VARIABLE vocational_lag_years = ?", [settings.PROJECTION_LAG_YEARS["专科"]])
    con.execute("SET VARIABLE region_geography = ?", [settings.REGION_GEOGRAPHY])
    con.execute((MODELS_DIR / "macros.sql").read_text(encoding="utf-8"))


def _build(con: duckdb.DuckDBPyConnection, model: Model) -> int:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {model.schema}")
    con.execute(f"CREATE OR REPLACE TABLE {model.table} AS\n{model.sql}")
    return con.execute(f"SELECT count(*) FROM {model.table}").fetchone()[0]


def run_model(con: duckdb.DuckDBPyConnection, model: Model) -> int:
    """(Re)build one model's table; returns its row count."""
    prepare(con)
    return _build(con, model)


def run_models(con: duckdb.DuckDBPyConnection,
               selected: Iterable[Model]) -> Iterator[tuple[Model, int, float]]:
    """(Re)build the selected models, each after the selected models it reads; yields (model, row count,
    seconds taken) as each is done."""
    prepare(con)
    chosen = set(selected)
    for model in discover():
        if model in chosen:
            started = time.perf_counter()
            rows = _build(con, model)
            yield model, rows, time.perf_counter() - started
