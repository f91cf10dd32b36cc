"""NPS, CSAT and CES against arithmetic written out by hand, including interval bounds."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import pytest

from journeymap.model.workspace import Workspace
from journeymap.voc.metrics import ces, csat, nps, wilson

Z = 1.959963984540054


def test_nps_score_and_interval_by_hand() -> None:
    # 20 answers: 9 promoters, 6 passives, 5 detractors.
    res = nps(promoters=9, passives=6, detractors=5)
    assert res.n == 20
    assert res.score == pytest.approx(100 * (9 / 20 - 5 / 20))  # = 20.0
    # var = (pp + pd - (pp - pd)^2) / n = (0.45 + 0.25 - 0.04) / 20 = 0.033
    half = Z * math.sqrt(0.033)  # 0.356045…
    assert res.interval is not None
    assert res.interval.low == pytest.approx(100 * (0.2 - half))
    assert res.interval.high == pytest.approx(100 * (0.2 + half))
    assert res.interval.low == pytest.approx(-15.6045, abs=1e-3)
    assert res.interval.high == pytest.approx(55.6045, abs=1e-3)
    assert res.small_sample


def test_nps_variance_equals_variance_of_the_plus_minus_score() -> None:
    """Independent method: the population variance of +1/0/-1 answers, from the statistics module."""
    answers = [1] * 9 + [0] * 6 + [-1] * 5
    res = nps(9, 6, 5)
    half = Z * math.sqrt(statistics.pvariance(answers) / len(answers))
    assert res.interval is not None
    assert res.interval.high - res.interval.low == pytest.approx(2 * 100 * half)


def test_nps_interval_is_clipped_and_empty_is_none() -> None:
    res = nps(promoters=3, passives=0, detractors=0)  # all promoters: var 0
    assert res.score == 100
    assert res.interval is not None and (res.interval.low, res.interval.high) == (100, 100)
    assert nps(0, 0, 0).score is None


def test_csat_top2_with_wilson_interval_by_hand() -> None:
    # 30 of 40 answers are 4 or 5: p = 0.75
    res = csat(n=40, top2=30, total=160)
    assert res.share == 0.75
    assert res.mean == 4.0
    z2 = Z * Z  # 3.841459
    denom = 1 + z2 / 40  # 1.096036
    centre = (0.75 + z2 / 80) / denom  # 0.728096
    half = Z / denom * math.sqrt(0.75 * 0.25 / 40 + z2 / (4 * 40 * 40))  # 0.130034
    assert res.interval is not None
    assert res.interval.low == pytest.approx(centre - half)
    assert res.interval.high == pytest.approx(centre + half)
    assert (round(res.interval.low, 4), round(res.interval.high, 4)) == (0.5981, 0.8581)
    assert not res.small_sample


def test_wilson_stays_inside_zero_one() -> None:
    iv = wilson(0, 5)
    assert iv is not None and iv.low == 0.0 and 0 < iv.high < 1
    # 0 of 5: high = z²/n / (1 + z²/n) = 0.768291 / 1.768291
    assert iv.high == pytest.approx((Z * Z / 5) / (1 + Z * Z / 5))
    assert wilson(0, 0) is None


def test_ces_mean_interval_and_top2_by_hand() -> None:
    scores = [7, 6, 5, 5, 4, 3, 7, 6]
    total, total_sq = sum(scores), sum(s * s for s in scores)  # 43, 245
    res = ces(len(scores), sum(1 for s in scores if s >= 6), total, total_sq)
    assert res.mean == pytest.approx(5.375)
    # squared deviations sum to 13.875; s² = 13.875 / 7 = 1.982143; se = sqrt(s² / 8) = 0.497767
    half = Z * math.sqrt(13.875 / 7 / 8)
    assert res.mean_interval is not None
    assert res.mean_interval.low == pytest.approx(5.375 - half)
    assert res.mean_interval.high == pytest.approx(5.375 + half)
    assert res.mean_interval.low == pytest.approx(4.3994, abs=1e-4)
    assert res.share == 0.5  # 7, 6, 7, 6 of 8


def test_metrics_from_the_store_match_the_hand_values(ws_events: Workspace, tmp_path: Path) -> None:
    """End to end: answers ingested into DuckDB, aggregated by the engine, intervals computed."""
    from journeymap.voc.ingest import ingest_feedback
    from journeymap.voc.report import feedback_metrics

    lines = ["response_id,customer_id,ts,step,metric,score"]
    nps_scores = [10] * 5 + [9] * 4 + [8] * 3 + [7] * 3 + [6, 5, 3, 1, 0]  # 9 promoters, 6 passives, 5 detractors
    for i, s in enumerate(nps_scores):
        lines.append(f"n{i},c{i % 3 + 1},2026-03-04 10:00:00,delivery,nps,{s}")
    for i, s in enumerate([7, 6, 5, 5, 4, 3, 7, 6]):
        lines.append(f"e{i},c2,2026-03-06 12:00:00,customer-service,ces,{s}")
    path = tmp_path / "answers.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest_feedback(ws_events, [path], quiet=True)
    rows = {(r.metric, r.group): r for r in feedback_metrics(ws_events, by="step").rows}
    n = rows[("nps", "delivery")]
    assert (n.n, n.value) == (20, pytest.approx(20.0))
    assert n.low == pytest.approx(100 * (0.2 - Z * math.sqrt(0.033)))
    c = rows[("ces", "customer-service")]
    assert c.value == pytest.approx(5.375)
    assert c.high == pytest.approx(5.375 + Z * math.sqrt(13.875 / 7 / 8))
    assert c.top2_share == 0.5 and c.small_sample
    by_stage = {(r.metric, r.group): r.n for r in feedback_metrics(ws_events, by="stage").rows}
    assert by_stage == {("nps", "retention"): 20, ("ces", "retention"): 8}


def test_metrics_per_period_channel_and_persona(ws_events: Workspace, tmp_path: Path) -> None:
    from journeymap.voc.ingest import ingest_feedback
    from journeymap.voc.report import feedback_metrics

    path = tmp_path / "csat.csv"
    path.write_text(
        "customer_id,ts,step,metric,score,channel\n"
        "c1,2026-01-10 10:00:00,payment,csat,5,web\n"   # c1: bargain-hunter
        "c1,2026-01-20 10:00:00,payment,csat,2,app\n"
        "c2,2026-02-03 10:00:00,payment,csat,4,web\n"   # c2: loyal-fan
        "c3,2026-02-04 10:00:00,payment,csat,1,web\n",  # c3: loyal-fan
        encoding="utf-8")
    ingest_feedback(ws_events, [path], quiet=True)
    monthly = {r.period: (r.n, r.value) for r in feedback_metrics(ws_events, period="month").rows}
    assert monthly == {"2026-01-01": (2, 0.5), "2026-02-01": (2, 0.5)}  # one of two in the top-2-box each month
    channels = {r.group: (r.n, r.value) for r in feedback_metrics(ws_events, by="channel").rows}
    assert channels == {"app": (1, 0.0), "web": (3, pytest.approx(2 / 3))}
    personas = {r.group: (r.n, r.mean) for r in feedback_metrics(ws_events, by="persona").rows}
    assert personas == {"bargain-hunter": (2, 3.5), "loyal-fan": (2, 2.5)}


def test_metrics_without_feedback_say_how_to_get_some(ws_events: Workspace) -> None:
    from journeymap.errors import JourneymapError
    from journeymap.voc.report import feedback_metrics

    with pytest.raises(JourneymapError, match="no feedback yet: run journeymap ingest feedback"):
        feedback_metrics(ws_events)
