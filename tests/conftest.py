"""Shared fixtures: loading hand-written source files through the real readers into a real DuckDB file."""

from __future__ import annotations

import contextlib
import csv
import gc
import html
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from sources import reading
from sources.kinds import KINDS
from sources.loading import FileReport, load_kind
from sources.reference_data import REFERENCE_TABLES, load_reference_table, prepare_lookups
from warehouse import connection

TEST_KEY = b"test-only pseudonymisation key"

#: the two ways a CSV file is read (sources/reading.py, _prepare_csv), by the size from which DuckDB reads a
#: file while Python checks its text: a small file is checked first, a large one read while it is checked
CSV_READS = {"checked first": 1 << 62, "read while checked": 0}


@pytest.fixture(scope="module", params=list(CSV_READS))
def csv_reads(request) -> Iterator[str]:
    """Run a module's tests once for each way a CSV file is read (the test files here are all small)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reading, "OVERLAP_AT_BYTES", CSV_READS[request.param])
        yield request.param


def csv_bytes(header: list[str], rows: list[list[object]], encoding: str = "utf-8") -> bytes:
    """A CSV file as staff would save it (encoding 'utf-8-sig' for Excel's 'CSV UTF-8', 'gbk' for Chinese Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def shown_markdown(markdown: str) -> tuple[str, str]:
    """What a Markdown text renders to (CommonMark, as HTML) and the text a reader sees in it. Streamlit draws
    titles, captions, alerts and the labels of expanders and widgets as Markdown; AppTest gives their source."""
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark").render(markdown)
    return rendered, html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


class Loaded:
    """The result of loading some landing files: the connection and one report per file."""

    def __init__(self, con: duckdb.DuckDBPyConnection, reports: list[FileReport]):
        self.con = con
        self.reports = reports

    def report(self, file_name: str) -> FileReport:
        return next(r for r in self.reports if r.file.endswith(file_name))

    def quarantine(self, kind: str) -> list[tuple]:
        """(file, row, column, reason) of every quarantined row of a kind, in row order."""
        return self.con.execute(
            f"SELECT file, source_row, column_name, reason FROM raw.{kind}__quarantine ORDER BY file, source_row"
        ).fetchall()

    def rows(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()


@pytest.fixture
def collected_garbage() -> None:
    """Earlier tests' garbage collected before a test that renders the dashboard. A SQLite connection left
    behind by an in-process Dagster run logs an error when it is collected, and Python 3.11 formats that
    traceback with ast.parse; collected in the middle of Streamlit's own ast.parse of a page, it breaks that
    parse ("AST constructor recursion depth mismatch", python/cpython#106905; a finalizer that formats a
    traceback reproduces it). A dashboard server runs no Dagster, so has no such garbage."""
    gc.collect()


@pytest.fixture
def load_landing(tmp_path: Path) -> Iterator[Callable[[dict[str, dict[str, bytes]]], Loaded]]:
    """Write {kind: {file name: bytes}} into a landing folder and load every kind, in load order."""
    opened: list[contextlib.ExitStack] = []

    def _load(files: dict[str, dict[str, bytes]]) -> Loaded:
        landing = tmp_path / "landing"
        for kind, named in files.items():
            (landing / kind).mkdir(parents=True, exist_ok=True)
            for name, data in named.items():
                (landing / kind / name).write_bytes(data)
        stack = contextlib.ExitStack()
        opened.append(stack)
        con = stack.enter_context(connection.writer(tmp_path / f"build{len(opened)}.duckdb"))
        for table in REFERENCE_TABLES:
            load_reference_table(con, table, landing)
        prepare_lookups(con)
        reports: list[FileReport] = []
        for kind in KINDS.values():
            reports += load_kind(con, kind, landing, TEST_KEY)
        return Loaded(con, reports)

    yield _load
    for stack in opened:
        stack.close()



# --- the demo scenario, built once per test session through Dagster ---------------------------------
class DemoBuild:
    def __init__(self, landing: Path, warehouse: Path, result):
        self.landing = landing
        self.warehouse = warehouse
        self.result = result

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.warehouse), read_only=True)


def materialize_all(instance=None):
    """Materialize every asset and check of the project's definitions, as `dg dev` would."""
    import dagster as dg

    from pipelines.build import load_definitions
    from pipelines.defs.resources import portal_resource

    defs = load_definitions()
    return dg.materialize(
        [*defs.assets, *(defs.asset_checks or [])],
        resources={"portal": portal_resource()},
        instance=instance or dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> Iterator[DemoBuild]:
    """The scale-1 Northeast scenario generated and built into a published warehouse."""
    from sources.demo.generator import generate

    root = tmp_path_factory.mktemp("demo")
    landing, warehouse = root / "landing", root / "portal.duckdb"
    generate(landing, scale=1, seed=2026)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PORTAL_LANDING", str(landing))
        mp.setenv("PORTAL_WAREHOUSE", str(warehouse))
        mp.setenv("PORTAL_SECRET", "demo-build test key")
        result = materialize_all()
        yield DemoBuild(landing, warehouse, result)
