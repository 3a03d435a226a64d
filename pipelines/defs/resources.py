"""The portal resource: where the landing folder and the warehouse are, and how to open the build database.

Assets are SQL statements over one DuckDB build database, so they share this resource rather than an IO
manager. Paths default to PORTAL_LANDING / PORTAL_WAREHOUSE (sources/settings.py).
"""

from __future__ import annotations

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


@dg.definitions
def resources() -> dg.Definitions:
    # One build database is written by every step, so steps run in one process, one after another.
    return dg.Definitions(resources={"portal": portal_resource()}, executor=dg.in_process_executor)
