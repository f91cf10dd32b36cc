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


def _comparison() -> pd.DataFrame:
    from journeymap.engine import stats

    return pd.DataFrame({"step": ["cart", "cart", "cart"], "metric": ["conversion", "dropoff", "median_seconds"],
                         "a": [0.752, 0.09, 161.0], "b": [0.698, 0.181, 165.0], "change": [-0.054, 0.091, 4.0],
                         "test": [stats.Z_TEST, stats.FISHER, stats.TESTS["none"]]})


@pytest.mark.parametrize(("lang", "rows"), [
    ("en", [["cart", "conversion", "75.2%", "69.8%", "\u22125.4 pp", "two-proportion z-test (pooled, two-sided)"],
            ["cart", "dropoff", "9.0%", "18.1%", "+9.1 pp", "Fisher's exact test (small counts)"],
            ["cart", "median_seconds", "2 min 41 s", "2 min 45 s", "+4 s", "not tested"]]),
    ("nl", [["cart", "conversie", "75,2 %", "69,8 %", "\u22125,4 %-punt", "z-toets voor twee proporties (gepoold, tweezijdig)"],
            ["cart", "uitval", "9,0 %", "18,1 %", "+9,1 %-punt", "exacte toets van Fisher (kleine aantallen)"],
            ["cart", "mediane tijd tot volgende", "2 min 41 s", "2 min 45 s", "+4 s", "niet getoetst"]]),
])
def test_a_comparison_shows_each_row_in_its_metrics_unit(lang: str, rows: list[list[str]]) -> None:
    """compare's a, b and change hold the row's metric: shares as percentages and their change in percentage
    points, seconds as durations; the metric and the test in the reader's language."""
    from journeymap.render.cells import format_row

    df = _comparison()
    assert [format_row(r, list(df.columns), lang) for r in df.itertuples(index=False)] == rows
    buf = io.StringIO()
    print_frame(Console(file=buf, width=250, color_system=None), df, "compare", lang)
    for row in rows:
        assert all(cell in buf.getvalue() for cell in row)


def test_every_test_has_its_name_in_both_languages() -> None:
    """The catalogue's English names are the engine's (what JSON and CSV carry); Dutch names every one."""
    from journeymap.engine import stats
    from journeymap.i18n import t
    from journeymap.render.cells import test_label

    for key, name in stats.TESTS.items():
        assert t(f"tests.{key}", "en") == name
        assert test_label(name, "nl") == t(f"tests.{key}", "nl") != name
    assert test_label("a test of somebody else's", "nl") == "a test of somebody else's"
