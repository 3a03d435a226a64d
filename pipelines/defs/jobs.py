"""The one job: build everything (all assets and their checks), then publish."""

import dagster as dg

build_warehouse = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.all(),
    description="Load the landing folder, rebuild every model, run the checks and publish the warehouse.",
    tags={"portal/writes": "build_database"},  # limited to one run at a time (pipelines/cli.py)
)
