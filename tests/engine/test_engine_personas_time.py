"""Segment rules judged per session or per event: a customer who was "new" in March is "returning" in June."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from journeymap.engine import compile as C
from journeymap.engine.funnel import funnel
from journeymap.engine.personas import personas_of
from journeymap.model.workspace import load_workspace

from .conftest import SHOP_JOURNEY

NEW, BACK = {"visitor": "new"}, {"visitor": "returning"}
LOG = [
    ("x", "2024-03-01 10:00", "product_view", "web", NEW),
    ("x", "2024-03-01 10:02", "add_to_cart", "web"),
    ("x", "2024-06-01 10:00", "product_view", "web", BACK),
    ("x", "2024-06-01 10:03", "add_to_cart", "web"),
    ("x", "2024-06-01 10:05", "payment", "web"),
    ("y", "2024-06-02 10:00", "product_view", "web", NEW),
]


def _ws(make_workspace: Callable[..., Path], per: str) -> Path:
    personas = {f"personas/{pid}.yaml": yaml.safe_dump({
        "id": pid, "name": pid.title(),
        "segment": {"all": [{"property": "visitor", "op": "eq", "value": value}], "per": per}})
        for pid, value in (("newcomer", "new"), ("regular", "returning"))}
    return make_workspace({"journeymap.yaml": "name: T\nlanguage: en\n",
                           "journeys/shop.yaml": yaml.safe_dump({**SHOP_JOURNEY, "personas": ["newcomer", "regular"]}),
                           **personas}, name=f"ws-{per}")


@pytest.mark.parametrize("per", ["session", "event"])
def test_a_customer_changes_persona(make_workspace: Callable[..., Path], backend, per: str) -> None:  # noqa: ANN001
    ws = load_workspace(_ws(make_workspace, per))
    journey = ws.journey("shop")
    f = funnel(journey, backend.table(LOG), ["product", "cart", "pay"], attempts="every", by="persona", ws=ws)
    rows = {(r.group, r.step): int(r.attempts) for r in f.itertuples()}
    # x's March attempt (product → cart) is a newcomer's, the June one (→ pay) a regular's; y is a newcomer
    assert rows[("newcomer", "product")] == 2 and rows[("newcomer", "cart")] == 1 and rows[("newcomer", "pay")] == 0
    assert rows[("regular", "product")] == 1 and rows[("regular", "pay")] == 1
    # as one customer, x is the persona they came in as
    people = dict(C.execute(personas_of(ws, journey, backend.table(LOG))).itertuples(index=False))
    assert people == {"x": "newcomer", "y": "newcomer"}


def test_sticky_rules_keep_the_first_persona_that_matches(make_workspace: Callable[..., Path], duck) -> None:  # noqa: ANN001
    ws = load_workspace(_ws(make_workspace, "customer"))
    f = funnel(ws.journey("shop"), duck.table(LOG), ["product", "cart", "pay"], attempts="every", by="persona",
               ws=ws)
    groups = set(f["group"])
    assert groups == {"newcomer"}  # both of x's attempts: x matched the newcomer rule once, so x is a newcomer
