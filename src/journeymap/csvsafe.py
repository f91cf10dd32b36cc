"""CSV cells a spreadsheet cannot run: OWASP's defence against formula injection.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, also
after leading spaces, is read by Excel, LibreOffice and Google Sheets as a formula
(``=HYPERLINK(...)``, ``-2+3``). Every CSV the project writes passes its cells through
:func:`safe_cell` (Python writers), :func:`safe_frame` (pandas) or :func:`safe_sql`
(DuckDB ``COPY``), which prefix such a cell with a single quote. Real numbers stay numbers:
``-5`` in a numeric column is data, not a formula, and spreadsheets read it as ``-5``.
Text that only looks numeric (``"-5 stars"``) is text and is neutralised.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and (value.startswith(FORMULA_STARTS) or value.lstrip().startswith(FORMULA_STARTS)):
        return "'" + value
    return value


def safe_row(row: list[Any]) -> list[Any]:
    """Every cell of ``row`` through :func:`safe_cell`."""
    return [safe_cell(v) for v in row]


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells are safe; numeric columns are left as they are."""
    shown = df.copy()
    for col in shown.columns:
        if not pd.api.types.is_numeric_dtype(shown[col]) and not pd.api.types.is_datetime64_any_dtype(shown[col]):
            shown[col] = shown[col].map(safe_cell)
    shown.columns = [safe_cell(str(c)) for c in shown.columns]
    return shown


def safe_sql(column: str) -> str:
    """A DuckDB expression: text column ``column`` with the same prefix as :func:`safe_cell`."""
    return (f"CASE WHEN regexp_matches({column}, '^\\s*[=+\\-@\\t\\r]') "
            f"THEN '''' || {column} ELSE {column} END")
