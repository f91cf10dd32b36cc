"""CLI parity with the API: compare, --where, --by, --since/--until and --per-session, counted by hand on the shop
log of conftest (a is a fan, b a hunter, c and d have no segment)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import SHOP_JOURNEY, shop_log_csv, write_workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from journeymap.api import ingest_events

    root = write_workspace(tmp_path_factory.mktemp("cli") / "ws", SHOP_JOURNEY, name="Shop")
    log = shop_log_csv(root.parent / "log.csv")
    ingest_events([log], root)
    return root


def _json(run_cli: Callable[..., Any], *args: str) -> Any:
    res = run_cli(*args, "--format", "json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_analyze_where_keeps_the_segments_customers(ws: Path, run_cli: Callable[..., Any]) -> None:
    data = _json(run_cli, "analyze", "shop", "-w", str(ws), "--only", "steps", "--where", "segment=fan")
    product = next(r for r in data["steps"] if r["step"] == "product")
    # only a: product → cart within minutes; the whole journey of a, not only the events that carry the value
    assert (product["reach"], product["conversion"]) == (1, 1.0)
    pay = next(r for r in data["steps"] if r["step"] == "pay")
    assert pay["reach"] == 1


def test_analyze_by_segment(ws: Path, run_cli: Callable[..., Any]) -> None:
    data = _json(run_cli, "analyze", "shop", "-w", str(ws), "--only", "steps", "--by", "segment")
    rows = {(r["group"], r["step"]): r for r in data["steps by segment"]}
    assert rows[("fan", "product")]["conversion"] == 1.0
    assert rows[("hunter", "product")]["conversion"] == 0.0  # b's cart is 18 days later: outside the window
    assert {g for g, _s in rows} == {"fan", "hunter"}


def test_compare_segments_and_periods(ws: Path, run_cli: Callable[..., Any]) -> None:
    data = _json(run_cli, "compare", "shop", "-w", str(ws), "--by", "segment", "--a", "fan", "--b", "hunter")
    conv = next(r for r in data["compare"] if r["step"] == "product" and r["metric"] == "conversion")
    assert (conv["a"], conv["b"], conv["n_a"], conv["n_b"]) == (1.0, 0.0, 1, 1)
    assert {"p_value", "q_value", "significant", "test"} <= set(conv)
    data = _json(run_cli, "compare", "shop", "-w", str(ws), "--a", "2024-01-01:2024-01-03", "--b",
                 "2024-01-03:2024-02-01")
    conv = next(r for r in data["compare"] if r["step"] == "product" and r["metric"] == "conversion")
    assert (conv["a"], conv["b"], conv["n_a"], conv["n_b"]) == (0.5, 1.0, 2, 1)
    res = run_cli("compare", "shop", "-w", str(ws), "--a", "2024-01-01")
    assert res.exit_code == 1 and "--b" in res.stderr
    res = run_cli("compare", "shop", "-w", str(ws), "--a", "2024-01-05:2024-01-01", "--b", "2024-01-03:2024-02-01")
    assert res.exit_code == 1 and "ends before it starts" in res.stderr
    res = run_cli("analyze", "shop", "-w", str(ws), "--where", "segment")
    assert res.exit_code == 1 and "is not KEY=VALUE" in res.stderr


def test_funnel_since_where_and_significance(ws: Path, run_cli: Callable[..., Any]) -> None:
    data = _json(run_cli, "funnel", "shop", "product", "cart", "pay", "-w", str(ws), "--since", "2024-01-03")
    # from 01-03 on only d: product, then cart and pay within the window
    assert [r["customers"] for r in data["funnel"]] == [1, 1, 1]
    data = _json(run_cli, "funnel", "shop", "product", "cart", "pay", "-w", str(ws), "--where", "segment=hunter")
    assert [r["customers"] for r in data["funnel"]] == [1, 0, 0]  # b's cart is 18 days later
    data = _json(run_cli, "funnel", "shop", "product", "cart", "pay", "-w", str(ws), "--by", "channel")
    rows = data["funnel"]
    assert {"p_value", "q_value", "significant"} <= set(rows[0])
    assert all(r["p_value"] is None for r in rows if r["position"] == 1)


def test_paths_per_session_and_by(ws: Path, run_cli: Callable[..., Any]) -> None:
    data = _json(run_cli, "paths", "shop", "-w", str(ws), "--per-session", "--variants", "10")
    got = {r["path"]: r["customers"] for r in data["variants"]}
    # sessions (30 minutes): a: ad → product → cart, then pay 40 minutes later; b: landing → product, cart
    # 18 days later; d: product → ad → cart, next day product → cart → pay
    assert got == {"ad → product → cart": 1, "pay": 1, "landing → product": 1, "cart": 1,
                   "product → ad → cart": 1, "product → cart → pay": 1}
    data = _json(run_cli, "paths", "shop", "-w", str(ws), "--by", "segment", "--until", "2024-01-03")
    groups = {r["group"] for r in data["transitions by segment"]}
    assert groups == {"fan", "hunter"}
