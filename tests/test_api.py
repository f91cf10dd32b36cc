"""The Python API: one function per command, paths as str or Path, results as DataFrames and dataclasses.

The log is small enough to count by hand: 4 customers over the steps ad → cart → pay.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from journeymap import api
from journeymap.errors import JourneymapError

JOURNEY = """
    id: shop
    title: Shop
    stages:
      - id: buy
        name: Buy
    steps:
      - id: ad
        name: Sees an ad
        stage: buy
        channel: social
        binding: {events: [ad_click]}
      - id: cart
        name: Fills the cart
        stage: buy
        channel: web
        binding: {events: [add_to_cart]}
      - id: pay
        name: Pays
        stage: buy
        channel: web
        binding: {events: [payment]}
"""

#: u1 and u2 go all the way, u3 stops at the cart, u4 only sees the ad; one row has no customer.
EVENTS = """customer_id,ts,event
u1,2025-03-01 10:00:00,ad_click
u1,2025-03-01 10:05:00,add_to_cart
u1,2025-03-01 10:09:00,payment
u2,2025-03-02 11:00:00,ad_click
u2,2025-03-02 11:30:00,add_to_cart
u2,2025-03-03 09:00:00,payment
u3,2025-03-02 12:00:00,ad_click
u3,2025-03-02 12:10:00,add_to_cart
u4,2025-03-04 08:00:00,ad_click
,2025-03-04 08:00:00,ad_click
"""


@pytest.fixture
def shop(make_workspace: Callable[..., Path], tmp_path: Path) -> tuple[str, str]:
    root = make_workspace({"journeymap.yaml": "name: Shop\nlanguage: en\ntimezone: UTC\n",
                           "journeys/shop.yaml": JOURNEY})
    src = tmp_path / "events.csv"
    src.write_text(EVENTS, encoding="utf-8")
    return str(root), str(src)


def test_ingest_status_and_quarantine_take_plain_strings(shop: tuple[str, str]) -> None:
    root, src = shop
    report = api.ingest_events([src], root)
    assert (report.read, report.stored, report.quarantined, report.duplicates) == (10, 9, 1, 0)
    s = api.status(root)
    assert (s.events, s.customers) == (9, 4)
    q = api.quarantine(root)
    assert isinstance(q, pd.DataFrame)
    assert list(q[["line", "reason"]].itertuples(index=False, name=None)) == [(11, "missing customer id")]


def test_analyze_funnel_and_paths_return_frames(shop: tuple[str, str]) -> None:
    root, src = shop
    api.ingest_events([src], root)
    steps = api.analyze("shop", root, only=["steps"])["steps"].set_index("step")
    assert steps["reach"].to_dict() == {"ad": 4, "cart": 3, "pay": 2}
    f = api.funnel("shop", ["ad", "cart", "pay"], root)["funnel"]
    assert list(f["customers"]) == [4, 3, 2]
    tr = api.paths("shop", root)["transitions"]
    edges = {(a, b): n for a, b, n in tr[["source", "target", "customers"]].itertuples(index=False, name=None)}
    assert edges[("ad", "cart")] == 3 and edges[("cart", "pay")] == 2


def test_dates_as_text_or_date_and_a_clear_error(shop: tuple[str, str]) -> None:
    root, src = shop
    api.ingest_events([src], root)
    a = api.analyze("shop", root, only=["steps"], since="2025-03-02")["steps"].set_index("step")
    b = api.analyze("shop", root, only=["steps"], since=dt.date(2025, 3, 2))["steps"].set_index("step")
    assert a["reach"].to_dict() == b["reach"].to_dict() == {"ad": 3, "cart": 2, "pay": 1}
    with pytest.raises(JourneymapError, match="--since '2025-13-01' is not a date"):
        api.analyze("shop", root, since="2025-13-01")
    with pytest.raises(JourneymapError, match="--window-days must be positive"):
        api.funnel("shop", ["ad", "pay"], root, window=0)


def test_report_and_forget(shop: tuple[str, str], tmp_path: Path) -> None:
    root, src = shop
    api.ingest_events([src], root)
    out = api.report("shop", str(tmp_path / "r.html"), root)
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Sees an ad" in html
    api.analyze("shop", root, only=["steps"])  # no connection is left open: the store can be written again
    gone = api.forget("events.csv", root)
    assert gone.removed == {"events": 9, "quarantined rows": 1}
    assert api.status(root).events == 0
