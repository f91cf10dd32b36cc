"""Quoting for the few SQL statements ingest builds from user-supplied names.

Ingest talks to DuckDB directly (table functions such as ``read_csv`` and DDL are
outside Ibis's reach); every user-supplied name or path goes through these two helpers.
"""

from __future__ import annotations


def lit(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A SQL identifier (column names from files may hold spaces or quotes)."""
    return '"' + name.replace('"', '""') + '"'
