"""NPS, CSAT and CES against arithmetic written out by hand, including interval bounds."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import pytest

from journeymap.model.workspace import Workspace
from journeymap.voc.metrics import ces, csat, nps, wilson

Z = 1.959963984540054


def test_nps_score_and_adjusted_wald_interval_by_hand() -> None:
    # 20 answers: 9 promoters, 6 passives, 5 detractors. The score is the sample's own: 45 % - 25 % = +20.
    res = nps(promoters=9, passives=6, detractors=5)
    assert res.n == 20
    assert res.score == pytest.approx(100 * (9 / 20 - 5 / 20))  # = 20.0
    # adjusted Wald (Rocks 2016): n' = 23, p'p = 9.75 / 23 = 0.423913, p'd = 5.75 / 23 = 0.25, diff 0.173913;
    # var = (0.673913 - 0.173913²) / 23 = 0.643667 / 23 = 0.027986; half = 1.96 · 0.167290 = 0.327883
    pp, pd_ = 9.75 / 23, 5.75 / 23
    half = Z * math.sqrt((pp + pd_ - (pp - pd_) ** 2) / 23)
    assert res.interval is not None
    assert res.interval.low == pytest.approx(100 * (pp - pd_ - half))
    assert res.interval.high == pytest.approx(100 * (pp - pd_ + half))
    assert (round(res.interval.low, 2), round(res.interval.high, 2)) == (-15.40, 50.18)
    assert res.small_sample


def test_nps_of_one_answer_has_an_honest_interval() -> None:
    """The issue: one promoter gave "+100.0 … +100.0". n' = 4, p'p = 1.75/4, p'd = 0.75/4: diff 0.25,
    var = (0.625 - 0.0625) / 4 = 0.140625, sd 0.375, half 1.96 · 0.375 = 0.734986."""
    res = nps(promoters=1, passives=0, detractors=0)
    assert res.score == 100
    assert res.interval is not None
    assert res.interval.low == pytest.approx(100 * (0.25 - Z * 0.375))  # -48.50
    assert res.interval.high == pytest.approx(100 * (0.25 + Z * 0.375))  # +98.50
    assert round(res.interval.low, 1) == -48.5 and round(res.interval.high, 1) == 98.5


def test_nps_interval_is_clipped_and_empty_is_none() -> None:
    res = nps(promoters=3, passives=0, detractors=0)  # n' = 6: diff 0.5, half 1.96 · sqrt(0.5 / 6) = 0.5658
    assert res.score == 100
    assert res.interval is not None
    assert res.interval.low == pytest.approx(100 * (0.5 - Z * math.sqrt(0.5 / 6)))  # -6.58
    assert res.interval.high == 100  # 106.58 clipped
    assert nps(0, 0, 0).score is None and nps(0, 0, 0).interval is None


def test_nps_interval_narrows_to_the_plain_one_for_large_samples() -> None:
    """Independent check: for large n the adjustment vanishes and the interval approaches the normal interval of
    the mean of the +1/0/-1 answers (the statistics module's variance)."""
    answers = [1] * 4500 + [0] * 3000 + [-1] * 2500
    res = nps(4500, 3000, 2500)
    half = 100 * Z * math.sqrt(statistics.pvariance(answers) / len(answers))
    assert res.interval is not None
    assert res.interval.low == pytest.approx(20 - half, abs=0.05)
    assert res.interval.high == pytest.approx(20 + half, abs=0.05)


def test_z_is_the_normal_quantile() -> None:
    from scipy import stats

    from journeymap.voc.metrics import Z95

    assert stats.norm.ppf(0.975) == pytest.approx(Z95, abs=1e-12)


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
    # squared deviations sum to 13.875; s² = 13.875 / 7 = 1.982143; se = sqrt(s² / 8) = 0.497767;
    # Student t with 7 degrees of freedom: t(0.975) = 2.364624 (tables), half = 1.177032
    half = 2.364624 * math.sqrt(13.875 / 7 / 8)
    assert res.mean_interval is not None
    assert res.mean_interval.low == pytest.approx(5.375 - half, abs=1e-5)
    assert res.mean_interval.high == pytest.approx(5.375 + half, abs=1e-5)
    assert res.mean_interval.low == pytest.approx(4.1980, abs=1e-4)
    assert res.share == 0.5  # 7, 6, 7, 6 of 8


def test_ces_mean_interval_matches_scipy_and_needs_two_answers() -> None:
    from scipy import stats

    scores = [7, 6, 5, 5, 4, 3, 7, 6]
    res = ces(len(scores), 4, sum(scores), sum(s * s for s in scores))
    low, high = stats.t.interval(0.95, len(scores) - 1, loc=statistics.mean(scores),
                                 scale=statistics.stdev(scores) / math.sqrt(len(scores)))
    assert res.mean_interval is not None
    assert (res.mean_interval.low, res.mean_interval.high) == (pytest.approx(low), pytest.approx(high))
    assert ces(1, 1, 7, 49).mean_interval is None  # one answer: no spread, no interval


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
    pp, pd_ = 9.75 / 23, 5.75 / 23  # adjusted Wald, as in the test above
    assert n.low == pytest.approx(100 * (pp - pd_ - Z * math.sqrt((pp + pd_ - (pp - pd_) ** 2) / 23)))
    c = rows[("ces", "customer-service")]
    assert c.value == pytest.approx(5.375)
    assert c.high == pytest.approx(5.375 + 2.364624 * math.sqrt(13.875 / 7 / 8), abs=1e-5)
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
