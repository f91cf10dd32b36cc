"""One table cell as people read it, in the language's style: the terminal tables and the report share it.

Shares (0..1) become percentages, seconds become durations, whole numbers get the language's grouping
(22.935 in Dutch), booleans yes/no, lists an arrow path. Which columns hold shares or seconds is told by
their names (the analyses' own column names, the same in every language).
"""

from __future__ import annotations

import math
from typing import Any

from journeymap.i18n import format_duration, format_number, format_percent, format_signed, has, t, yes_no

#: Column names (or their endings) that hold shares of 0..1, shown as percentages.
SHARE_WORDS = ("share", "conversion", "dropoff", "drop_off", "rate", "fitness", "following_design", "probability",
               "removal_effect")
#: Column endings that hold seconds, shown as durations.
SECONDS_ENDINGS = ("seconds", "_s")


def is_share(column: str) -> bool:
    name = column.lower()
    return any(name == w or name.endswith("_" + w) or name.startswith(w + "_") for w in SHARE_WORDS)


def is_seconds(column: str) -> bool:
    return column.lower().endswith(SECONDS_ENDINGS)


def column_label(column: str, lang: str = "en") -> str:
    """A column's header in ``lang`` (the catalogue's ``columns.*``); in English, and for unknown columns,
    the column's own name, which scripts also see in JSON and CSV."""
    return t(f"columns.{column}", lang) if lang != "en" and has(f"columns.{column}", lang) else column


#: In a table with a ``metric`` column (a comparison), these columns hold that row's metric: their unit is its unit.
METRIC_VALUES = ("a", "b", "change")


def format_row(values: Any, columns: list[str], lang: str = "en") -> list[str]:
    """A row's cells as people read them. In a table with a ``metric`` column (``compare``), ``a``, ``b`` and
    ``change`` take the row's metric for their unit (a change of a share in percentage points, of seconds as a
    signed duration), and the metric and the test are named in ``lang``."""
    row = dict(zip(columns, values, strict=True))
    metric = str(row["metric"]) if "metric" in row and row["metric"] is not None else None
    cells = []
    for column, value in row.items():
        if metric is not None and column in METRIC_VALUES:
            cells.append(_change(value, metric, lang) if column == "change" else format_value(value, metric, lang))
        elif metric is not None and column == "metric":
            cells.append(column_label(metric, lang))
        elif column == "test" and isinstance(value, str):
            cells.append(test_label(value, lang))
        else:
            cells.append(format_value(value, column, lang))
    return cells


def _change(value: Any, metric: str, lang: str) -> str:
    if value is None or not isinstance(value, (int, float)) or math.isnan(value) or not (is_share(metric) or
                                                                                        is_seconds(metric)):
        return format_value(value, "change", lang)
    number = float(value)
    if is_seconds(metric):
        return ("+" if number > 0 else "") + format_duration(number, lang, units=2)
    return t("number.points", lang, value=format_signed(number * 100, lang, 1))


def test_label(name: str, lang: str = "en") -> str:
    """A statistical test's name in ``lang`` (the catalogue's ``tests.*``, by :data:`journeymap.engine.stats.TESTS`)."""
    from journeymap.engine.stats import test_key

    key = test_key(name)
    return t(f"tests.{key}", lang) if key is not None else name


def format_value(value: Any, column: str = "", lang: str = "en") -> str:
    """One cell as people read it, in ``lang``'s number style; missing values as an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return yes_no(bool(value), lang)
    if isinstance(value, (list, tuple)):
        return " → ".join(map(str, value))
    if isinstance(value, int) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iu"):
        return format_number(int(value), lang)
    if isinstance(value, float) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") == "f"):
        number = float(value)
        if math.isinf(number):
            return "∞" if number > 0 else "-∞"
        if column in ("p_value", "q_value"):
            from journeymap.engine.formatting import format_p

            return format_p(number, lang)
        if is_seconds(column):
            return format_duration(number, lang, units=2)
        if is_share(column) and -1.0 <= number <= 1.0:
            return format_percent(number, lang, 1)
        if number == int(number) and abs(number) < 1e15:
            return format_number(number, lang)
        return format_number(number, lang, 3).rstrip("0").rstrip(".,")
    text = str(value)
    return "–" if text in ("<NA>", "NaT", "nan") else text
