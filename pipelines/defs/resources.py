"""The portal resource: where the landing folder and the warehouse are, and the build database of a run.

Assets are SQL statements over one DuckDB build database, so they share this resource rather than an IO
manager. Its fields are the run's settings: `portal build` sets them in the run's config (run_build,
PortalResource.run_config), so a run's record in Dagster says which landing folder it read and which warehouse
it published; a run launched otherwise (the sensor, the schedule, the UI of `dg dev` / `portal ui`) takes the
defaults, PORTAL_LANDING / PORTAL_WAREHOUSE / PORTAL_BUILD_WAIT of the process's environment (portal_resource).

Every run (launched by `portal build`, the sensor, the schedule or the UI alike) takes the build lock when
this resource is set up, before its first step, and writes into its own new file
`.<warehouse>.builds/<run id>.duckdb`, which starts as a copy of the publication (so unchanged source files
are not loaded again); `published_warehouse` renames that file into place
(warehouse/publication.py). A run that finds the lock held fails at once with a one-line reason.

Set up under the lock, the resource also deletes a previous publication past its retention
(PORTAL_PREVIOUS_RETENTION_DAYS) and settles the pseudonymisation key (build_key): a run whose key is not the
one the publication was built with, or that would have to make a new key file although a warehouse exists,
fails at once with a one-line reason, unless the run is tagged `portal/rekey=true` (`portal build --rekey`;
in the Dagster UI, a tag added at launch; never the sensor or the schedule).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from pipelines import settings
from sources import settings as sources_settings
from sources.landing_folder import LandingFile, list_landing
from sources.pseudonymise import KeyMissing, KeyProblem, key_fingerprint, key_source, load_key
from warehouse import connection, publication
from warehouse import settings as warehouse_settings

#: the run tag that lets a run change the pseudonymisation key, and so every pseudonym (`portal build --rekey`)
REKEY_TAG = "portal/rekey"


class PortalResource(dg.ConfigurableResource):
    #: the landing folder the loaders read
    landing_dir: str
    #: the published warehouse file the run replaces (its build file is made beside it)
    warehouse_path: str
    #: how long a run waits for another build to finish before giving up (0: refuse at once)
    lock_wait_seconds: float = 0.0

    _build_id: str | None = PrivateAttr(default=None)
    _started_at: dt.datetime | None = PrivateAttr(default=None)
    _landing_files: list[LandingFile] = PrivateAttr(default_factory=list)
    _key: bytes | None = PrivateAttr(default=None)

    def run_config(self) -> dict:
        """This resource's settings as a run's config (`resources: portal: config:`), which a run records."""
        return {"config": {"landing_dir": self.landing_dir, "warehouse_path": self.warehouse_path,
                           "lock_wait_seconds": self.lock_wait_seconds}}

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)

    @property
    def published(self) -> Path:
        return Path(self.warehouse_path)

    @property
    def build_id(self) -> str:
        if self._build_id is None:
            raise dg.DagsterInvariantViolationError("the build database exists only inside a run")
        return self._build_id

    @property
    def build(self) -> Path:
        """This run's own build database."""
        return publication.build_file(self.published, self.build_id)

    @property
    def started_at(self) -> dt.datetime:
        return self._started_at or dt.datetime.now(dt.UTC)

    @property
    def landing_files(self) -> list[LandingFile]:
        """The landing folder's files (sources/landing_folder.py) as the run found them when it started."""
        return self._landing_files

    @property
    def pseudonym_key(self) -> bytes:
        """The pseudonymisation key this run was set up with (build_key)."""
        if self._key is None:
            raise dg.DagsterInvariantViolationError("the pseudonymisation key is settled only inside a run")
        return self._key

    @property
    def key_fingerprint(self) -> str:
        return key_fingerprint(self.pseudonym_key)

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[PortalResource]:
        run = context.run
        if run is None:  # a sensor or a schedule evaluating: no build, no lock
            yield self
            return
        holder = f"run {run.run_id}" + (f" ({run.tags['dagster/sensor_name']})"
                                        if "dagster/sensor_name" in run.tags else "")
        with publication.build_lock(self.published, holder, self.lock_wait_seconds):
            self._build_id = run.run_id
            self._started_at = dt.datetime.now(dt.UTC)
            # Set up once per step's process (the multiprocess executor runs each step in its own, and its
            # parent once more after the run): this run's own build file is kept and, once started, not
            # started again, nor after this run has published it.
            removed = publication.remove_stale_builds(self.published, keep=self.build)
            if removed:
                context.log.info(f"removed {len(removed)} file(s) left by earlier builds: "
                                 + ", ".join(p.name for p in removed))
            retention = warehouse_settings.previous_retention_days()
            if publication.expire_previous(self.published, retention):
                context.log.info(f"deleted the previous publication {publication.previous_path(self.published)}: "
                                 f"replaced more than {retention:g} days ago (PORTAL_PREVIOUS_RETENTION_DAYS)")
            self._key = build_key(self.published, rekey=run.tags.get(REKEY_TAG) == "true")
            # (a kind folder that cannot be listed stops the run here, before a build file is made)
            self._landing_files = list_landing(self.landing)
            # (a copy `portal build` began ahead is claimed even when it has finished: the file exists by then)
            if publication.started_ahead(self.build) or (
                    not self.build.exists() and publication.published_build_id(self.published) != self.build_id):
                empty = publication.start_build(self.published, self.build)
                context.log.info(f"build {self.build.name} starts empty: {empty}; every file is read" if empty
                                 else f"build {self.build.name} started as a copy of {self.published}")
            yield self

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to this run's build database."""
        with connection.writer(self.build) as con:
            yield con


def build_key(published: Path, rekey: bool = False) -> bytes:
    """The pseudonymisation key a build of `published` may use (sources/pseudonymise.py, load_key). Without
    `rekey` it must be the key the publication was built with (audit.build.key_fingerprint), and a missing key
    file is made anew only for a first build (no publication yet); otherwise KeyProblem says, in one line,
    which key was expected, what changed and what `--rekey` would do. A weak key is refused either way."""
    record = publication.published_build(published)
    recorded = None if record is None else record.get("key_fingerprint")
    first = not published.exists()
    rekey_hint = ("or run `portal build --rekey` to build with a new key, which gives every student a new "
                  "pseudonym (every file is read again); nothing was built")
    try:
        key = load_key(create=first or rekey)
    except KeyMissing as err:
        built_with = f"the key of fingerprint {recorded}" if recorded else "a key"
        raise KeyProblem(f"{err}, but the published warehouse {published} was built with {built_with}: restore "
                         f"that key file (or set PORTAL_SECRET to that key), {rekey_hint}") from None
    fingerprint = key_fingerprint(key)
    if recorded and fingerprint != recorded and not rekey:
        raise KeyProblem(f"the pseudonymisation key in {key_source()} (fingerprint {fingerprint}) is not the key "
                         f"the published warehouse {published} was built with (fingerprint {recorded}): use that "
                         f"key (PORTAL_SECRET or the key file {sources_settings.secret_file()}), {rekey_hint}")
    return key


def portal_resource(landing: Path | None = None, warehouse: Path | None = None,
                    lock_wait_seconds: float | None = None) -> PortalResource:
    """The resource of these settings; each one not given is taken from the environment (the landing folder:
    sources/settings.py, the warehouse: warehouse/settings.py, the lock wait: pipelines/settings.py)."""
    return PortalResource(
        landing_dir=str(landing or sources_settings.landing_dir()),
        warehouse_path=str(warehouse or warehouse_settings.warehouse_path()),
        lock_wait_seconds=settings.build_wait_seconds() if lock_wait_seconds is None else lock_wait_seconds,
    )


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
