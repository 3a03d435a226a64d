"""A daily build, so reference-data edits and anything the sensor missed reach the dashboard by morning."""

import dagster as dg

from pipelines.defs.jobs import build_warehouse

daily_build = dg.ScheduleDefinition(
    name="daily_build",
    job=build_warehouse,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
