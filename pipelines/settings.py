"""The pipelines' own settings: what only the command line and the Dagster definitions read.

The paths a build works on are not here: the landing folder is `sources/settings.py`'s (the readers and
the demo generator read it) and the warehouse is `warehouse/settings.py`'s; `portal build` hands both to
the run as the portal resource's config (pipelines/defs/resources.py).
"""

from __future__ import annotations

import os


def build_wait_seconds() -> float:
    """How long a build waits for another build holding the lock (PORTAL_BUILD_WAIT; 0: refuse at once)."""
    return float(os.environ.get("PORTAL_BUILD_WAIT") or 0)
