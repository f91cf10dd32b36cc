"""Terminal tables never cut a number: piped, in a narrow terminal, with long headers."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from rich.console import Console

from journeymap.cli.tables import duration, format_cell, print_frame


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"source": ["checkout-page", "payment"], "target": ["payment", "confirmation"],
                         "customers": [84_947, 1_203_118], "conversion": [0.415, 0.9],
                         "median_seconds": [437_724.2, 95.0], "designed": [True, False]})


def _render(width: int, terminal: bool) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=terminal, color_system=None, highlight=False)
    print_frame(console, _frame(), "transitions")
    return buf.getvalue()


@pytest.mark.parametrize(("width", "terminal"), [(80, False), (200, True), (60, True), (30, True)])
def test_numbers_are_whole_at_any_width(width: int, terminal: bool) -> None:
    out = _render(width, terminal)
    for whole in ("84,947", "1,203,118", "41.5%", "90.0%", "5 d 1 h", "1 min 35 s"):
        assert whole in out, (whole, out)
    if terminal:
        assert all(len(line) <= width for line in out.splitlines())


def test_a_narrow_terminal_gets_one_block_per_row() -> None:
    out = _render(30, True)
    assert "rows as blocks" in out
    assert "  customers       1,203,118\n" in out
    assert out.count("— row ") == 2


def test_headers_are_not_cut_when_piped() -> None:
    out = _render(40, False)
    header = next(line for line in out.splitlines() if "customers" in line)
    for name in ("source", "target", "customers", "conversion", "median_seconds", "designed"):
        assert name in header


@pytest.mark.parametrize(("seconds", "text"), [(8_100, "2 h 15 min"), (3_600, "1 h"), (59, "59 s"), (2.5, "2.5 s"),
                                               (86_430, "1 d"), (90_061, "1 d 1 h"), (125, "2 min 5 s")])
def test_durations(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_cells() -> None:
    assert format_cell(float("nan"), "x") == "–"
    assert format_cell(0.0415, "dropoff") == "4.2%"  # the catalogue's percent: 12.5% (en), 12,5 % (nl)
    assert format_cell(12.0, "revisits") == "12"
    assert format_cell(1.25, "lift") == "1.25"
    assert format_cell(["a", "b"], "variant") == "a → b"


def test_cells_in_dutch() -> None:
    assert format_cell(0.0415, "dropoff", "nl") == "4,2 %"
    assert format_cell(22935, "customers", "nl") == "22.935"
    assert format_cell(-1.0, "score", "nl") == "\u22121"
    assert format_cell(1.25, "lift", "nl") == "1,25"
    assert format_cell(True, "designed", "nl") == "ja"
    assert format_cell(8100.0, "median_seconds", "nl") == "2 u 15 min"
