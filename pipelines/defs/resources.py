"""The portal resource: where the landing folder and the warehouse are, and how to open the build database.

Assets are SQL statements over one DuckDB build database, so they share this resource rather than an IO
manager. Paths default to PORTAL_LANDING / PORTAL_WAREHOUSE (sources/settings.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from sources import settings
from warehouse import connection


class PortalResource(dg.ConfigurableResource):
    landing_dir: str
    warehouse_path: str

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)

    @property
    def published(self) -> Path:
        return Path(self.warehouse_path)

    @property
    def build(self) -> Path:
        return connection.build_path_for(self.published)

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with connection.writer(self.build) as con:
            yield con


def portal_resource() -> PortalResource:
    return PortalResource(landing_dir=str(settings.landing_dir()), warehouse_path=str(settings.warehouse_path()))


def build_executor() -> dg.ExecutorDefinition:
    """One build database is written by every step, so steps run one after another: in this process by
    default (fastest on one machine), or with PORTAL_EXECUTOR=multiprocess (production, deploy/) each in
    its own process, which isolates a step that crashes or runs out of memory from the run, at most
    PORTAL_MAX_CONCURRENT (default 1: DuckDB allows one writer) at a time. See docs/scaling.md."""
    if os.environ.get("PORTAL_EXECUTOR", "in_process") == "multiprocess":
        return dg.multiprocess_executor.configured(
            {"max_concurrent": int(os.environ.get("PORTAL_MAX_CONCURRENT", "1"))}, name="portal_multiprocess")
    return dg.in_process_executor


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"portal": portal_resource()}, executor=build_executor())
