"""The demo generator, checked statistically against its own constants, and ``journeymap demo`` end to end."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from journeymap.events import demo
from journeymap.events.store import STORE_FILE

ON_MAP = {name for _, name, _ in demo.STEPS}


def _person(customer: pd.Series, anonymous: pd.Series) -> np.ndarray:
    """The simulated person behind an event: C<n> is person n, cookie ck-<m> belongs to person m // 2."""
    ident = customer.fillna(anonymous).astype(str)
    num = ident.str.extract(r"(\d+)$")[0].astype(np.int64).to_numpy()
    return np.where(ident.str.startswith("C").to_numpy(), num, num // 2)


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    table = pa.concat_tables(list(demo.generate(60_000, seed=11, chunk=25_000)))
    df = table.to_pandas()
    for col in ("event", "channel", "segment"):
        df[col] = df[col].astype(str)
    df["person"] = _person(df["customer_id"], df["anonymous_id"])
    df["ts"] = df["ts"].dt.tz_convert(None)
    return df


def _next_step(df: pd.DataFrame) -> pd.DataFrame:
    """Each on-map event with the person's next on-map event (product views left out: they repeat)."""
    steps = df[df["event"].isin(ON_MAP - {"product_view"})].sort_values(["person", "ts"], kind="stable")
    nxt = steps.groupby("person")["event"].shift(-1)
    return steps.assign(next=nxt)


def test_event_ids_unique_and_volume(log: pd.DataFrame) -> None:
    assert log["event_id"].is_unique
    assert 14 <= len(log) / 60_000 <= 19  # about 17 events per customer, as the benchmark assumes


def test_cart_to_checkout_share_matches_the_constant(log: pd.DataFrame) -> None:
    steps = _next_step(log)
    cart = steps[steps["event"] == "add_to_cart"]
    share = (cart["next"] == "checkout_started").mean()
    want = demo.TRANSITIONS["add-to-cart"]["checkout"]  # busy-parents differ only in reminder vs leaving
    assert len(cart) > 10_000
    assert abs(share - want) < 0.02


def test_personas_follow_the_shares(log: pd.DataFrame) -> None:
    shares = log.groupby("person")["segment"].first().value_counts(normalize=True)
    for persona, want in demo.PERSONAS.items():
        assert abs(shares[persona] - want) < 0.015


def test_incident_hurts_payment(log: pd.DataFrame) -> None:
    steps = _next_step(log)
    checkout = steps[steps["event"] == "checkout_started"]
    during = checkout["ts"].between(demo.INCIDENT_START, demo.INCIDENT_END, inclusive="left")
    paid = checkout["next"] == "payment_completed"
    assert during.sum() > 200
    # of those who would pay, CHECKOUT_BACK_TO_CART first go back to their cart (a planted loop)
    stay = 1 - demo.CHECKOUT_BACK_TO_CART
    assert abs(paid[during].mean() - demo.INCIDENT_CHECKOUT["payment"] * stay) < 0.08
    assert abs(paid[~during].mean() - demo.TRANSITIONS["checkout"]["payment"] * stay) < 0.02


def test_planted_problems(log: pd.DataFrame) -> None:
    """The problems the findings should find are in the log: the loop back to the cart, the TikTok visitors
    bouncing from the product page, their one-day spike and the address check from August on."""
    steps = _next_step(log)
    checkout = steps[steps["event"] == "checkout_started"]
    assert abs((checkout["next"] == "add_to_cart").mean() - demo.CHECKOUT_BACK_TO_CART * 0.85) < 0.02
    ads = log[log["event"] == "ad_click"]
    tiktok = set(ads.loc[ads["utm_source"].astype(str) == "tiktok", "person"])
    entered = log[log["event"] == "product_view"].groupby("person").size()
    carted = set(log.loc[log["event"] == "add_to_cart", "person"])
    rate = {who: np.mean([p in carted for p in entered.index if (p in tiktok) == who]) for who in (True, False)}
    assert rate[True] < 0.6 * rate[False]
    first = log[log["event"].isin(ON_MAP)].groupby("person")["ts"].min()
    per_day = first.dt.floor("D").value_counts()
    assert per_day.idxmax() == pd.Timestamp(demo.SPIKE_DAY)
    checks = log.loc[log["event"] == "address_check_failed", "ts"]
    assert len(checks) > 100 and checks.min() >= demo.ADDRESS_CHECK_START


def test_seasonal_peak(log: pd.DataFrame) -> None:
    start = log[log["event"].isin(ON_MAP)].groupby("person")["ts"].min()
    start = start[start.dt.year == demo.YEAR]
    days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    weights = np.array(demo.MONTH_WEIGHTS) * days
    want = weights[10:].sum() / weights.sum()
    got = (start.dt.month >= 11).mean()
    assert abs(got - want) < 0.02
    assert got > 1.8 * (days[10:].sum() / 365)  # a real peak, not an even spread


def test_demo_command_builds_a_stitched_workspace(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "demo"
    res = run_cli("demo", str(target), "--customers", "3000", "--seed", "5", "--quiet")
    assert res.exit_code == 0, res.output
    con = duckdb.connect(str(target / "data" / STORE_FILE), read_only=True)
    df = con.execute("SELECT customer_id, raw_customer_id, anonymous_id, event FROM events").df()
    con.close()
    assert f"read {len(df):,} = stored {len(df):,} + quarantined 0 + duplicates 0" in res.stdout
    df["person"] = _person(df["raw_customer_id"], df["anonymous_id"])
    buyers = set(df.loc[df["event"] == "checkout_started", "person"])
    assert len(buyers) > 300
    mine = df[df["person"].isin(buyers)]
    # Everything a buyer did, on every device, ends up in one journey named after the customer.
    owners = mine.groupby("person")["customer_id"].agg(lambda s: set(s))
    assert all(o == {f"C{p}"} for p, o in owners.items())
    assert (target / "journeys" / "webshop.yaml").is_file()
    assert (target / "webshop.html").is_file()
    assert (target / "report.html").is_file()
    assert "Map:" in res.stdout
    # the map is the living one: measured figures and the measured emotion curve are on it
    html = (target / "webshop.html").read_text(encoding="utf-8")
    assert "Designed vs observed" in html and "Measured emotion" in html


def test_demo_refuses_an_existing_workspace(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "journeymap.yaml").write_text("name: mine\n", encoding="utf-8")
    res = run_cli("demo", str(tmp_path), "--customers", "10", "--quiet")
    assert res.exit_code == 1
    assert "already holds a workspace; give the demo a new folder: journeymap demo DIR" in res.stderr
    assert (tmp_path / "journeymap.yaml").read_text(encoding="utf-8") == "name: mine\n"
    assert not (tmp_path / "data").exists()
