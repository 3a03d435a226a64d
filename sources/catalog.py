"""What the database says of one table: its columns and their types.

DESCRIBE binds just the table asked about, where the duckdb_columns() table function lists every column of
every table of every attached database at each call; a build asks a few hundred times (the loaders' and
the models' bookkeeping), so the difference is part of what every build costs, however little changed.
"""

from __future__ import annotations

import duckdb


def column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str] | None:
    """`table`'s columns and their types, in order: `schema.name` in the current database, or a bare name for a
    temp table; None when there is no such table. (A missing table is an error to DuckDB, and an error aborts
    an open transaction: inside one, ask only of tables that exist.)"""
    quoted = ".".join('"' + part.replace('"', '""') + '"' for part in table.split("."))
    try:
        rows = con.execute(f"DESCRIBE {quoted if '.' in table else 'temp.main.' + quoted}").fetchall()
    except duckdb.CatalogException:
        return None
    return {name: data_type for name, data_type, *_ in rows}
