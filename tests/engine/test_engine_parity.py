"""DuckDB and PySpark give identical results for every analysis on the same random log."""

from __future__ import annotations

import pandas as pd
import pytest

from journeymap.engine.attribution import attribution
from journeymap.engine.conformance import conformance_tables
from journeymap.engine.funnel import funnel, funnel_customers
from journeymap.engine.retention import lifecycle, retention
from journeymap.engine.steps import stage_metrics, step_metrics
from journeymap.engine.transitions import path_variants, transitions

from .conftest import Backend
from .test_engine_vs_pm4py import random_log

ANALYSES = {
    "steps": lambda j, t: step_metrics(j, t),
    "stages": lambda j, t: stage_metrics(j, t),
    "funnel": lambda j, t: funnel(j, t, ["landing", "product", "cart", "pay"]),
    "funnel-every": lambda j, t: funnel(j, t, ["product", "cart", "pay"], attempts="every"),
    "funnel-strict": lambda j, t: funnel(j, t, ["product", "cart"], mode="strict"),
    "funnel-any": lambda j, t: funnel(j, t, ["cart", "product", "pay"], mode="any"),
    "funnel-customers": lambda j, t: funnel_customers(j, t, ["product", "cart", "pay"]),
    "transitions": lambda j, t: transitions(j, t),
    "event-transitions": lambda j, t: transitions(j, t, level="event", collapse_repeats=False),
    "variants": lambda j, t: path_variants(j, t, top=50),
    "conformance": lambda j, t: conformance_tables(j, t)["summary"],
    "retention": lambda j, t: retention(t),
    "lifecycle": lambda j, t: lifecycle(t),
    "attribution": lambda j, t: attribution(j, t, "pay"),
}


def normalise(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype).startswith(("str", "string")):
            out[col] = out[col].map(lambda v: " > ".join(v) if isinstance(v, list) else v).astype(str)
        elif str(out[col].dtype).startswith("datetime"):
            out[col] = pd.to_datetime(out[col]).astype("datetime64[us]")
    return out.sort_values(list(out.columns)).reset_index(drop=True)


@pytest.mark.spark
@pytest.mark.parametrize("name", list(ANALYSES))
def test_duckdb_and_pyspark_agree(name: str, shop, spark_session) -> None:  # noqa: ANN001
    rows = random_log(customers=120, seed=11)
    rows = [(c, ts, {"reviews_read": "landing_page", "support_call": "payment"}.get(e, e), ch)
            for c, ts, e, ch in rows]
    duck = ANALYSES[name](shop, Backend("duckdb").table(rows))
    spark = ANALYSES[name](shop, Backend("pyspark", spark_session).table(rows))
    assert len(duck) > 0
    pd.testing.assert_frame_equal(normalise(duck), normalise(spark), check_dtype=False, rtol=1e-9)
