"""The tables a model's SELECT reads, and the same SELECT made to read other tables, from DuckDB's own parser.

A search of the SQL text for `schema.table` cannot tell a table from a name in a comment or a string literal, or
from a CTE named like one; the parser can. `json_serialize_sql` gives the statement's syntax tree, whose table
references (BASE_TABLE) carry their schema, name, alias and where they are written in the text (in bytes of the
UTF-8 text, a span that runs from the name through its alias); DuckDB's tokenizer says where the name ends.
"""

from __future__ import annotations

import bisect
import json
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache

import duckdb


@dataclass(frozen=True)
class TableRef:
    """One table reference in a statement; a CTE's name is none."""
    catalog: str  # '' unless written
    schema: str  # '' when written without one
    name: str
    alias: str  # '' when it has none
    start: int  # where its name starts, in bytes of the UTF-8 text
    length: int  # of its span: its name, alias, sample or time-travel clause
    end: int  # where the token after its name starts, within its span (else where its span ends)

    @property
    def table(self) -> str:
        return ".".join(p for p in (self.catalog, self.schema, self.name) if p)


_parser_lock = threading.Lock()
#: the table references of each SQL text parsed so far, or why it could not be (a process parses each model
#: once)
_parsed: dict[str, tuple[TableRef, ...] | ValueError] = {}


@cache
def _parser() -> duckdb.DuckDBPyConnection:
    """An empty in-memory database, to parse with (one connection, used under `_parser_lock`)."""
    return duckdb.connect()


def _syntax_tree(serialized: str) -> dict:
    tree = json.loads(serialized)
    if tree.get("error"):
        raise ValueError(f"DuckDB cannot read this SQL as one SELECT: {tree.get('error_message')}")
    if len(tree["statements"]) != 1:
        raise ValueError(f"expected one SELECT, found {len(tree['statements'])} statements")
    return tree["statements"][0]


def _base_tables(tree: dict) -> Iterator[tuple[dict, frozenset[str]]]:
    """Every BASE_TABLE node of a syntax tree, with the CTE names in scope where it is written."""
    stack: list[tuple[object, frozenset[str]]] = [(tree, frozenset())]
    while stack:
        node, ctes = stack.pop()
        if isinstance(node, list):
            stack.extend((value, ctes) for value in node if isinstance(value, (dict, list)))
            continue
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict) and cte_map.get("map"):
            ctes = ctes | {entry["key"].lower() for entry in cte_map["map"]}
        if node.get("type") == "BASE_TABLE" and "table_name" in node:
            yield node, ctes
        stack.extend((value, ctes) for value in node.values() if isinstance(value, (dict, list)))


def table_refs(sql: str) -> tuple[TableRef, ...]:
    """The tables `sql` (one SELECT) reads, each where it is written, in the order written. Names of CTEs in
    scope are not tables; table functions (read_csv(...)) are not either."""
    parse_ahead([sql])
    refs = _parsed[sql]
    if isinstance(refs, ValueError):
        raise refs
    return refs


def parse_ahead(sqls: Iterable[str]) -> None:
    """Parse these SELECTs, those not parsed before, together in one query, for table_refs to find."""
    with _parser_lock:
        new = [sql for sql in dict.fromkeys(sqls) if sql not in _parsed]
        if not new:
            return
        serialized = _parser().execute("SELECT list_transform(?::VARCHAR[], lambda s: json_serialize_sql(s))",
                                       [new]).fetchone()[0]
        for sql, text in zip(new, serialized, strict=True):
            try:
                _parsed[sql] = _refs(sql, _syntax_tree(text))
            except ValueError as error:  # raised when its references are asked for
                _parsed[sql] = error


def _refs(sql: str, tree: dict) -> tuple[TableRef, ...]:
    encoded = sql.encode("utf-8")
    # (a comment between the parts of a name, or between a name and its alias, is not one of its tokens)
    token_starts = [start for start, kind in duckdb.tokenize(sql) if kind != duckdb.token_type.comment]
    refs = []
    for node, ctes in _base_tables(tree):
        catalog, schema, name = node["catalog_name"], node["schema_name"], node["table_name"]
        if not catalog and not schema and name.lower() in ctes:
            continue
        # a recursive CTE's rows so far (`recurring.<cte>`, of a WITH RECURSIVE ... USING KEY) are no table
        if not catalog and schema.lower() == "recurring" and name.lower() in ctes:
            continue
        start, length = node["query_location"], node["query_location_length"]
        if start >= len(encoded):
            raise ValueError(f"the parser gave no place in the text for table {schema}.{name}")
        # the name is written as 1 to 3 identifiers joined by dots: 1 to 5 tokens, the first at `start`
        first = bisect.bisect_left(token_starts, start)
        if first == len(token_starts) or token_starts[first] != start:
            raise ValueError(f"no token starts where the parser places table {schema}.{name}")
        after = first + 2 * sum(1 for part in (catalog, schema, name) if part) - 1
        end = min(start + length, token_starts[after]) if after < len(token_starts) else start + length
        refs.append(TableRef(catalog, schema, name, node["alias"], start, length, end))
    return tuple(sorted(refs, key=lambda ref: ref.start))


def replace_tables(sql: str, replacements: Mapping[str, str]) -> str:
    """`sql` reading, in place of each table 'schema.table' of `replacements`, the relation named by its value.
    A reference without an alias is given the table's own name as one, so the columns qualified by it still
    bind. (Columns qualified by schema and table, `raw.placements.year`, would not: the binder then says so.)
    What separates the name from its alias (a space or a comment) is replaced by a space."""
    wanted = {table.lower(): by for table, by in replacements.items()}
    encoded = sql.encode("utf-8")
    for ref in reversed(table_refs(sql)):
        by = wanted.get(ref.table.lower())
        if by is None:
            continue
        alias = "" if ref.alias else ' AS "' + ref.name.replace('"', '""') + '"'
        separator = " " if ref.end < ref.start + ref.length else ""
        encoded = encoded[:ref.start] + (by + alias + separator).encode("utf-8") + encoded[ref.end:]
    return encoded.decode("utf-8")
