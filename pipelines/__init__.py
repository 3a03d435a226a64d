"""Dagster orchestration of the portal (assets, checks, sensor, schedule) and the `portal` command line."""
