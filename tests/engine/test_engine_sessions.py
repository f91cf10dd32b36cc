"""Sessions: cut by an inactivity gap or by a session id; variants and funnels per session, counted by hand."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from journeymap.engine import compile as C
from journeymap.engine.funnel import funnel
from journeymap.engine.sessions import SessionSpec, session_matched, session_spec
from journeymap.engine.source import EventSource
from journeymap.engine.transitions import path_variants

from .conftest import SHOP_JOURNEY

GAP = SessionSpec(30 * 60)
LOG = [
    # a: two sittings two hours apart
    ("a", "2024-01-01 10:00", "ad_click", "social"),
    ("a", "2024-01-01 10:05", "product_view", "web"),
    ("a", "2024-01-01 10:10", "add_to_cart", "web"),
    ("a", "2024-01-01 12:10", "product_view", "web"),
    ("a", "2024-01-01 12:12", "add_to_cart", "web"),
    ("a", "2024-01-01 12:15", "payment", "web"),
    # b: from search one day, back the next
    ("b", "2024-01-02 09:00", "landing_page", "web"),
    ("b", "2024-01-02 09:10", "product_view", "web"),
    ("b", "2024-01-03 09:00", "product_view", "web"),
    ("b", "2024-01-03 09:05", "add_to_cart", "web"),
    # d: one sitting like a's first (exactly 30 minutes apart is still the same session)
    ("d", "2024-01-04 10:00", "ad_click", "social"),
    ("d", "2024-01-04 10:30", "product_view", "web"),
    ("d", "2024-01-04 10:31", "add_to_cart", "web"),
]


def test_sessions_by_gap(shop, backend) -> None:  # noqa: ANN001
    s = C.execute(session_matched(EventSource.of(backend.table(LOG)), shop, GAP))
    got = {(r.customer_id, str(r.ts)[8:16]): int(r.sess) for r in s.itertuples()}
    a = ("01 10:00", "01 10:05", "01 10:10", "01 12:10", "01 12:12", "01 12:15")
    assert [got[("a", t)] for t in a] == [0, 0, 0, 1, 1, 1]
    assert [got[("b", t)] for t in ("02 09:00", "02 09:10", "03 09:00", "03 09:05")] == [0, 0, 1, 1]
    assert [got[("d", t)] for t in ("04 10:00", "04 10:30", "04 10:31")] == [0, 0, 0]


def test_sessions_by_session_id(shop, backend) -> None:  # noqa: ANN001
    log = [("x", "2024-01-01 10:00", "ad_click", "social", {"sid": "s1"}),
           ("x", "2024-01-01 10:05", "product_view", "web", {"sid": "s1"}),
           ("x", "2024-01-01 10:06", "add_to_cart", "web", {"sid": "s2"}),   # a new id: a new session
           ("x", "2024-01-01 10:07", "payment", "web"),                      # no id: continues
           ("x", "2024-01-01 12:00", "product_view", "web")]                 # no id, after the gap: a new one
    s = C.execute(session_matched(EventSource.of(backend.table(log)), shop, SessionSpec(1800, "sid")))
    assert list(s.sort_values("ts")["sess"]) == [0, 0, 1, 1, 2]


def test_variants_per_session(shop, backend) -> None:  # noqa: ANN001
    t = backend.table(LOG)
    whole = path_variants(shop, t)
    assert set(whole["customers"]) == {1}  # three customers, three different whole histories
    v = path_variants(shop, t, sessions=GAP)
    got = dict(zip(v["path"], v["customers"], strict=True))
    assert got == {"ad → product → cart": 2, "product → cart → pay": 1, "landing → product": 1, "product → cart": 1}
    assert v["share"].iloc[0] == pytest.approx(2 / 5)


def test_funnel_per_session(shop, backend) -> None:  # noqa: ANN001
    t = backend.table(LOG)
    per_customer = funnel(shop, t, ["product", "cart", "pay"])
    assert list(per_customer["customers"]) == [3, 3, 1]
    f = funnel(shop, t, ["product", "cart", "pay"], sessions=GAP)
    # sessions entering at product: a0, a1, b0, b1, d0; cart after it: a0, a1, b1, d0; pay: a1
    assert list(f["attempts"]) == [5, 4, 1]
    assert list(f["customers"]) == [3, 3, 1]
    assert f["conversion_from_start"].iloc[1] == pytest.approx(4 / 5)
    by = funnel(shop, t, ["product", "cart", "pay"], sessions=GAP, by="channel")
    assert int(by["attempts"].iloc[0]) == 5  # every funnel entry is on the web


def test_session_settings(make_workspace: Callable[..., Path]) -> None:
    from journeymap.model.workspace import load_workspace

    root = make_workspace({"journeymap.yaml": """
        name: S
        events:
          columns: {session_id: visit}
          session_gap_minutes: 45
    """, "journeys/shop.yaml": yaml.safe_dump(SHOP_JOURNEY)})
    assert session_spec(load_workspace(root)) == SessionSpec(45 * 60, "visit")
    bad = make_workspace({"journeymap.yaml": "name: S\nevents:\n  session_gap_minutes: 0\n"}, name="bad")
    ws = load_workspace(bad, strict=False)
    assert any("journeymap.yaml:3" in str(d) and "session_gap_minutes" in str(d) for d in ws.diagnostics), \
        [str(d) for d in ws.diagnostics]
