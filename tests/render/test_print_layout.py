"""How the printed map is cut into pages and sized: pure functions, hand-computed expectations."""

from __future__ import annotations

import pytest

from journeymap.errors import JourneymapError
from journeymap.model.types import Stage
from journeymap.render.paging import (
    MIN_GRID_SCALE,
    PrintLayout,
    fit_scale,
    paged_layout,
    parse_paper,
    per_page,
    split_runs,
)
from journeymap.render.view import Column


def columns(*stage_sizes: int) -> list[Column]:
    """Step columns for stages of the given sizes, in order."""
    out: list[Column] = []
    for si, size in enumerate(stage_sizes):
        stage = Stage(id=f"s{si}", name=f"S{si}")
        out += [Column(stage, si, None, index=len(out) + k) for k in range(size)]
    return out


def sizes(runs: list[tuple[int, int]]) -> list[int]:
    return [end - start for start, end in runs]


def test_paper_sizes_per_page_columns() -> None:
    # A3 landscape: (420 − 2 × 10) mm × 96/25.4 = 1511.8 px; less the 131 px lane column: 1380.8 / 215 → 6
    assert per_page(parse_paper("A3")) == 6
    assert per_page(parse_paper("a4")) == 4  # (297 − 20) mm = 1046.9 px − 131 = 915.9 / 215 → 4
    assert per_page(parse_paper("A2")) == 9  # (594 − 20) mm = 2169.4 px − 131 = 2038.4 / 215 → 9
    assert per_page(parse_paper("150x100")) == 3  # never fewer than three


@pytest.mark.parametrize(("text", "size"), [("A1", (841, 594)), ("a0", (1189, 841)), ("1000x700", (1000, 700)),
                                            ("594 × 841 mm", (594, 841)), ("420,5x297", (420.5, 297))])
def test_parse_paper(text: str, size: tuple[float, float]) -> None:
    paper = parse_paper(text)
    assert (paper.width_mm, paper.height_mm) == size


@pytest.mark.parametrize(("text", "message"), [
    ("B3", r"unknown paper size 'B3'; expected one of: A0, A1, A2, A3, A4 \(landscape\) or WIDTHxHEIGHT in mm"),
    ("10x10", r"paper size '10x10' is out of range: each side must be 90 to 5000 mm"),
])
def test_bad_paper_sizes_are_clear_errors(text: str, message: str) -> None:
    with pytest.raises(JourneymapError, match=message):
        parse_paper(text)


def test_eleven_steps_split_six_and_five_never_ten_and_one() -> None:
    # stages of 3, 3, 3, 2: two pages (11 / 6 → 2); 6 + 5 cuts between stages and is as even as can be
    assert split_runs(columns(3, 3, 3, 2), 6) == [(0, 6), (6, 11)]
    # one stage of 11: the cut must fall inside it; still 6 + 5, not 10 + 1
    assert sizes(split_runs(columns(11), 6)) in ([6, 5], [5, 6])


def test_runs_prefer_cuts_between_stages() -> None:
    # the demo webshop: stages of 2, 3, 4, 4, 2 steps on three pages (mean 5).
    # 5 + 5 + 5 cuts the fourth stage: cost 0 + 0 + 0 + 3 (penalty) = 3;
    # 5 + 4 + 6 cuts only between stages: cost 0 + 1 + 1 = 2, so it wins
    assert split_runs(columns(2, 3, 4, 4, 2), 6) == [(0, 5), (5, 9), (9, 15)]


@pytest.mark.parametrize("n", [7, 13, 19, 25, 31])
def test_never_a_lone_step_and_runs_within_the_page(n: int) -> None:
    runs = split_runs(columns(n), 6)
    assert [r[0] for r in runs[1:]] == [r[1] for r in runs[:-1]] and runs[0][0] == 0 and runs[-1][1] == n
    assert all(2 <= s <= 6 for s in sizes(runs)) and max(sizes(runs)) - min(sizes(runs)) <= 1
    assert len(runs) == -(-n // 6)  # as few pages as the width allows


def test_a_short_map_is_one_page_and_fills_it() -> None:
    layout = paged_layout(columns(2, 2), parse_paper("A3"))
    assert layout.runs == [(0, 4)]
    # (1511.8 − 131 − 2) / 4 = 344.7 px a column; two columns would be 689 but stop at 420
    assert layout.colw_for(4) == pytest.approx(344.7, abs=0.1)
    assert layout.colw_for(2) == 420


def test_fit_scale_finds_the_largest_scale_that_fits() -> None:
    layout = PrintLayout("pages", parse_paper("A3"), [(0, 6)], colw=230)
    room = layout.content_height_px - 4  # (297 − 20) mm = 1046.9 px, less 4 px of slack
    tried: list[float] = []

    def tallest(trial: PrintLayout) -> float:  # text that shrinks with the scale over a fixed 600 px
        tried.append(trial.grid_scale)
        return 600 + 800 * trial.grid_scale

    best = (room - 600) / 800  # 0.5536
    scale = fit_scale(layout, tallest).grid_scale
    assert best * 0.95 <= scale <= best
    assert tried[0] == 1.0 and len(tried) <= 5
    assert fit_scale(layout, lambda trial: 500.0).grid_scale == 1.0  # fits at full size: untouched
    assert fit_scale(layout, lambda trial: 5000.0).grid_scale == MIN_GRID_SCALE  # never unreadably small
