"""Named result tables as JSON or CSV text, for ``analyze --format json|csv`` and scripts.

JSON is one object ``{name: [row, …]}`` (NaN becomes null, timestamps ISO strings). CSV is one
table that pandas (or a spreadsheet) reads as it is: a single table is plain CSV; several are stacked
in long form, an ``analysis`` column first and then the columns of all tables in order of first
appearance, empty where a table has no such column. One analysis back::

    df = pd.read_csv("all.csv")
    steps = df[df.analysis == "steps"].dropna(axis=1, how="all")
"""

from __future__ import annotations

import io
import json
import math
from typing import Any

import pandas as pd

from journeymap.csvsafe import safe_frame
from journeymap.engine import compile as C


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``df`` as JSON-ready dicts."""
    return [{str(k): _plain(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def to_json(frames: dict[str, pd.DataFrame], *, explain: bool = False) -> str:
    """``{name: rows}``; with ``explain`` also ``{"sql": {name: query}}``."""
    out: dict[str, Any] = {name: records(df) for name, df in frames.items()}
    if explain:
        out["sql"] = {name: df.attrs.get(C.SQL_ATTR) for name, df in frames.items()}
        out["plan"] = next((df.attrs["plan"] for df in frames.values() if df.attrs.get("plan")), [])
    return json.dumps(out, indent=2, ensure_ascii=False, default=str)


def _flat(df: pd.DataFrame) -> pd.DataFrame:
    shown = df.copy()
    for col in shown.columns:
        if shown[col].dtype == object:
            shown[col] = shown[col].map(lambda v: " \u2192 ".join(v) if isinstance(v, list) else v)
    return shown


def to_csv(frames: dict[str, pd.DataFrame]) -> str:
    """CSV text (see the module docstring): one table, or several stacked with an ``analysis`` column."""
    buf = io.StringIO()
    if len(frames) == 1:
        safe_frame(_flat(next(iter(frames.values())))).to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue()
    parts = [_flat(df).assign(analysis=name) for name, df in frames.items()]
    columns = ["analysis"]
    for part in parts:
        columns += [str(c) for c in part.columns if c not in columns]
    # whole numbers stay whole where another table leaves the column empty (nullable integers, not floats)
    parts = [p.astype({c: "Int64" for c in p.columns if pd.api.types.is_integer_dtype(p[c])}) for p in parts]
    stacked = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    safe_frame(stacked.reindex(columns=columns)).to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def findings_json(findings: list[Any], *, explain: bool = False) -> str:
    """``findings --format json``: a list of objects (:meth:`journeymap.results.Finding.as_dict`)."""
    return json.dumps([_plain_deep(f.as_dict(explain=explain)) for f in findings], indent=2, ensure_ascii=False,
                      default=str)


def _plain_deep(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain_deep(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_deep(v) for v in value]
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return _plain(value)


def format_p(value: float | None, lang: str = "en") -> str:
    """A p- or q-value for people: two significant digits (a decimal comma in Dutch), ``< 1e-300`` where it
    underflows to zero."""
    if value is None or math.isnan(value):
        return "–"
    text = "< 1e-300" if value < 1e-300 else f"{value:.2g}"
    return text.replace(".", ",") if lang == "nl" else text


def findings_frame(findings: list[Any]) -> pd.DataFrame:
    """Findings as a table: one row each, in rank order (``findings --format csv``)."""
    rows = []
    for rank, f in enumerate(findings, start=1):
        (key, value), = f.segment.items() if f.segment else ((None, None),)
        rows.append({
            "rank": rank, "kind": f.kind, "title": f.title, "metric": f.metric, "steps": " \u2192 ".join(f.steps),
            "events": ", ".join(f.events), "segment": f"{key}={value}" if key is not None else None,
            "period_start": f.period["start"] if f.period else None, "period_end": f.period["end"] if f.period else None,
            "baseline": f.baseline, "observed": f.observed, "unit": f.unit, "customers": f.customers, "n": f.n,
            "effect": f.effect, "p_value": f.p_value, "q_value": f.q_value, "score": f.score, "command": f.command,
        })
    return pd.DataFrame(rows, columns=["rank", "kind", "title", "metric", "steps", "events", "segment", "period_start",
                                       "period_end", "baseline", "observed", "unit", "customers", "n", "effect",
                                       "p_value", "q_value", "score", "command"])
