"""The Dagster event log `portal` configures (pipelines/event_log.py): what the Dagster UI shows of a build."""

from __future__ import annotations

import logging
import time
import uuid

from dagster._core.events.log import EventLogEntry

from pipelines.event_log import KeptConnectionSqliteEventLogStorage


def _message(run_id: str, text: str) -> EventLogEntry:
    return EventLogEntry(error_info=None, level=logging.INFO, user_message=text, run_id=run_id,
                         timestamp=time.time())


def test_the_ui_watching_a_running_build_sees_each_event_as_it_is_written(tmp_path):
    # the build's process writes; the UI's process (its own storage on the same files) watches the run
    build = KeptConnectionSqliteEventLogStorage(str(tmp_path))
    ui = KeptConnectionSqliteEventLogStorage(str(tmp_path))
    run_id = str(uuid.uuid4())
    build.store_event(_message(run_id, "step 1 started"))
    seen: list[str] = []
    ui.watch(run_id, None, lambda entry, cursor: seen.append(entry.user_message))
    try:
        for step in (2, 3, 4):
            build.store_event(_message(run_id, f"step {step} started"))
            deadline = time.monotonic() + 10
            while f"step {step} started" not in seen and time.monotonic() < deadline:
                time.sleep(0.05)
            assert f"step {step} started" in seen, f"the UI stopped following the run after {seen}"
        assert [r.event_log_entry.user_message for r in ui.get_records_for_run(run_id).records] == [
            f"step {step} started" for step in (1, 2, 3, 4)]
    finally:
        ui.dispose()
        build.dispose()
