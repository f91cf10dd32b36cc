"""The measured emotion curve, peak-end and the overlay, against values worked out by hand."""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path

import ibis
import pandas as pd
import pytest

from journeymap.model.workspace import Workspace
from journeymap.results import MapOverlay
from journeymap.voc.emotion import add_to_overlay
from journeymap.voc.ingest import ingest_feedback
from journeymap.voc.peakend import peak_end
from journeymap.voc.sentiment import sentiment
from journeymap.voc.touchpoints import combine, score_to_emotion


def test_scale_mapping_ends_and_midpoints() -> None:
    assert [score_to_emotion("nps", s) for s in (0, 5, 10)] == [-2, 0, 2]
    assert [score_to_emotion("csat", s) for s in (1, 3, 5)] == [-2, 0, 2]
    assert [score_to_emotion("ces", s) for s in (1, 4, 7)] == [-2, 0, 2]
    assert score_to_emotion("nps", 8) == pytest.approx(1.2)
    assert combine("csat", 5, None) == 2
    assert combine("csat", 5, -0.5) == pytest.approx((2 + -1) / 2)


def _tp(rows: list[tuple[str, str, str, float, str | None, float | None]]) -> ibis.Table:
    df = pd.DataFrame(rows, columns=["customer_id", "ts", "step", "value", "metric", "score"])
    df["ts"] = pd.to_datetime(df["ts"])
    return ibis.memtable(df)


def test_peak_end_by_hand() -> None:
    tp = _tp([
        # a: peak = delivery (|-2|), end = review
        ("a", "2026-01-01", "payment", 1.0, "csat", 4), ("a", "2026-01-02", "delivery", -2.0, "csat", 1),
        ("a", "2026-01-03", "review", 0.5, None, None),
        # b: a tie on |value| between payment and delivery: the later one (delivery) is the peak; also the end
        ("b", "2026-01-01", "payment", 1.5, None, None), ("b", "2026-01-02", "delivery", -1.5, None, None),
        # c: one touchpoint only: no peak-end journey
        ("c", "2026-01-01", "payment", 2.0, None, None),
    ])
    report = peak_end(tp)
    assert report.customers == 2
    shares = {s.step: (s.peak, s.end) for s in report.steps}
    assert shares == {"delivery": (2, 1), "review": (0, 1)}
    # means over customers: mean (a: -0.5/3, b: 0), peak (-2, -1.5), end (0.5, -1.5)
    assert report.mean == pytest.approx(((1 - 2 + 0.5) / 3 + 0) / 2)
    assert report.peak == pytest.approx(-1.75)
    assert report.end == pytest.approx(-0.5)
    assert report.peak_end == pytest.approx(((-2 + 0.5) / 2 + (-1.5 - 1.5) / 2) / 2)
    assert report.memorable(1) == ["delivery"]


def test_nps_correlation_leaves_the_nps_answer_out() -> None:
    rows = []
    journeys = {"a": ([1.0, 2.0], 10), "b": ([-1.0, -2.0], 2), "c": ([0.5, -0.5], 7), "d": ([1.5, 0.0], 8)}
    for cust, (values, nps_score) in journeys.items():
        rows.append((cust, "2026-01-01", "payment", values[0], None, None))
        rows.append((cust, "2026-01-02", "delivery", values[1], None, None))
        rows.append((cust, "2026-01-03", "review", (nps_score - 5) / 2.5, "nps", float(nps_score)))
    tp = _tp(rows)
    fb_df = pd.DataFrame([(c, pd.Timestamp("2026-01-03"), "nps", float(s)) for c, (_, s) in journeys.items()],
                         columns=["customer_id", "ts", "metric", "score"])
    report = peak_end(tp, ibis.memtable(fb_df))
    corr = {c.score: c for c in report.correlations}
    means = [sum(v) / 2 for v, _ in journeys.values()]
    ends = [v[1] for v, _ in journeys.values()]
    scores = [s for _, s in journeys.values()]
    assert corr["mean"].n == 4
    assert corr["mean"].r == pytest.approx(statistics.correlation(means, scores))
    assert corr["end"].r == pytest.approx(statistics.correlation(ends, scores))


def _answers(tmp_path: Path, n_bad: int) -> Path:
    lines = ["response_id,customer_id,ts,step,metric,score,comment"]
    for i in range(n_bad):
        lines.append(f"d{i},c{i % 2 + 1},2026-03-0{i % 5 + 3} 13:00:00,delivery,csat,1,")
    lines.append("p1,c1,2026-03-01 10:06:00,payment,csat,5,")
    lines.append("p2,c2,2026-03-02 10:06:00,payment,csat,4,Quick and easy")
    path = tmp_path / "answers.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_overlay_gets_the_measured_curve_and_an_expected_vs_received_note(ws_events: Workspace,
                                                                        tmp_path: Path) -> None:
    ingest_feedback(ws_events, [_answers(tmp_path, 6)], quiet=True, now=dt.datetime(2026, 4, 1))
    overlay = add_to_overlay(MapOverlay(), ws_events, "webshop")
    delivery = overlay.emotions["delivery"]
    assert (delivery.score, delivery.n, delivery.small_sample) == (-2.0, 6, True)
    # c1 is a bargain-hunter, c2 a loyal fan (segment property on their events): 3 answers each
    assert delivery.per_persona == {"bargain-hunter": (-2.0, 3), "loyal-fan": (-2.0, 3)}
    payment = overlay.emotions["payment"]
    quick = sentiment("Quick and easy").score
    assert payment.score == pytest.approx((2 + (1 + 2 * quick) / 2) / 2)
    # both customers: peak = a delivery answer (|-2|), end = their last delivery answer
    assert delivery.peak_share == 1.0 and delivery.end_share == 1.0
    assert payment.peak_share == 0.0
    # assumed +2 at delivery, measured -2: the largest gap, called out first
    assert overlay.notes[0].startswith("Expected vs received — Delivery: assumed +2.0, measured \u22122.0 (n=6)")
    assert "4.0 points worse" in overlay.notes[0]
    gap = overlay.gaps[0]  # the same call-out as figures, for the report's "needs attention"
    assert (gap.step, gap.persona, gap.assumed, gap.measured, gap.n) == ("delivery", None, 2.0, -2.0, 6)
    assert gap.title == "Expected vs received — Delivery" and gap.note == overlay.notes[0]
    assert gap.detail.startswith("assumed +2.0, measured \u22122.0 (n=6)")
    assert any(n.startswith("Peak-end: Delivery") for n in overlay.notes)


def test_few_answers_give_no_gap_note_and_no_feedback_leaves_the_overlay_alone(ws_events: Workspace,
                                                                              tmp_path: Path) -> None:
    empty = add_to_overlay(MapOverlay(), ws_events, "webshop")
    assert empty.emotions == {} and empty.notes == []
    ingest_feedback(ws_events, [_answers(tmp_path, 2)], quiet=True, now=dt.datetime(2026, 4, 1))
    overlay = add_to_overlay(MapOverlay(), ws_events, "webshop")
    assert overlay.emotions["delivery"].n == 2
    assert not any(n.startswith("Expected vs received") for n in overlay.notes)
