"""The deterministic Northeast demo: source files as data staff would drop them, with a scale factor.

`generate(out_dir, scale=1, seed=2026)` writes a landing folder (catalogue/, survey/, bases/, placements/)
and `demo_manifest.json`, and returns the manifest. See `sources/demo/generator.py`;
`python -m sources.demo --out DIR --scale N --seed S` runs it from the shell.
"""

from __future__ import annotations

from typing import Any

__all__ = ["generate"]


def __getattr__(name: str) -> Any:
    # imported on first use, so `python -m sources.demo.generator` does not import the module twice
    if name == "generate":
        from sources.demo.generator import generate

        return generate
    raise AttributeError(f"module 'sources.demo' has no attribute {name!r}")
