"""The personal-data guarantee, checked: no personal column and no clear personal value in any table.

Students are identified only by keyed pseudonyms; this scan is the last line of defence before a build is
published. It looks for columns named like personal fields and for values shaped like a mainland ID number
or mobile phone number anywhere in any text or JSON column (quarantined rows included).
"""

from __future__ import annotations

import duckdb

from sources.pseudonymise import ID_NUMBER, MOBILE

PERSONAL_COLUMN_NAMES = ("student_name", "id_number", "phone", "student_id", "姓名", "身份证号", "手机号", "学号")
SCANNED_SCHEMAS = ("reference", "raw", "audit", "staging", "dims", "facts", "marts")


def find_personal_data(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Human-readable findings; empty when the database holds no personal data."""
    schemas = ", ".join(f"'{s}'" for s in SCANNED_SCHEMAS)
    columns = con.execute(
        f"""SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns()
            WHERE schema_name IN ({schemas}) AND NOT internal ORDER BY ALL"""
    ).fetchall()
    findings = [
        f"{s}.{t} has a personal column '{c}'" for s, t, c, _ in columns if c.lower() in PERSONAL_COLUMN_NAMES
    ]
    for schema, table, column, data_type in columns:
        if data_type not in ("VARCHAR", "JSON"):
            continue
        for label, pattern in (("an ID number", ID_NUMBER), ("a mobile number", MOBILE)):
            hits = con.execute(
                f'SELECT count(*) FROM {schema}."{table}" WHERE regexp_matches("{column}"::VARCHAR, ?)', [pattern]
            ).fetchone()[0]
            if hits:
                findings.append(f"{schema}.{table}.{column}: {hits} value(s) shaped like {label}")
    return findings
