"""The warehouse: schema and every transformation as SQL files (raw → staging → dims/facts → marts), the one
place that opens DuckDB connections, and the publication of a finished build."""
