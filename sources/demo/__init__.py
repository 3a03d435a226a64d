"""The deterministic Northeast demo: source files as data staff would drop them, with a scale factor.

`generate(out_dir, scale=1, seed=2026)` writes a landing folder (catalogue/, survey/, bases/, placements/)
and `demo_manifest.json`, and returns the manifest. See `sources/demo/generator.py`.
"""

from sources.demo.generator import generate

__all__ = ["generate"]
