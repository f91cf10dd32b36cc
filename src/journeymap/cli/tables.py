"""Tables in the terminal that never cut a number.

Every analysis table goes through :func:`print_frame`. Cells are formatted for people (thousands
separators, shares as percentages, times as durations) and a column is never narrower than its
widest number or its header. When the table is wider than the terminal, text columns wrap; when
even the numbers do not fit, each row is printed as a block of ``column: value`` lines. Output that
goes to a file or a pipe is as wide as the table needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from journeymap.cli.common import printable
from journeymap.render.cells import column_label, format_row, format_value, is_seconds, is_share

__all__ = ["column_label", "duration", "format_cell", "is_seconds", "is_share", "print_frame"]

if TYPE_CHECKING:
    import pandas as pd

def duration(seconds: float, lang: str = "en") -> str:
    """``8100`` → ``2 h 15 min``: the two largest whole units (the one duration format, :mod:`journeymap.i18n`)."""
    from journeymap.i18n import format_duration

    return format_duration(seconds, lang, units=2)


def format_cell(value: Any, column: str = "", lang: str = "en") -> str:
    """One cell as people read it (:func:`journeymap.render.cells.format_value`), safe for a terminal."""
    return printable(format_value(value, column, lang))


def print_frame(console: Console, df: pd.DataFrame, title: str, lang: str = "en") -> None:
    """Print ``df`` as a table (or, when even its numbers do not fit, as one block per row); headers and
    numbers in ``lang``."""
    import pandas as pd

    columns = [column_label(str(c), lang) for c in df.columns]
    numeric = {c: pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in df.columns}
    names = [str(c) for c in df.columns]
    rows = [[printable(cell) for cell in format_row(row, names, lang)] for row in df.itertuples(index=False)]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(columns)]
    needed = sum(widths) + 3 * len(widths) + 1
    fits = needed <= console.width
    if not fits and not console.is_terminal:  # a file or a pipe: as wide as the table needs
        console = Console(width=needed, file=console.file, highlight=False, color_system=None)
        fits = True
    fixed = sum(w + 3 for w, c in zip(widths, df.columns, strict=True) if numeric[c]) + \
        sum(len(h) + 3 for h, c in zip(columns, df.columns, strict=True) if not numeric[c]) + 1
    if not fits and fixed > console.width:
        _print_vertical(console, columns, rows, title, lang)
        return
    table = Table(title=title, title_justify="left", show_lines=False)
    for h, c, w in zip(columns, df.columns, widths, strict=True):
        if numeric[c] or fits:
            table.add_column(h, justify="right" if numeric[c] else "left", no_wrap=True, min_width=w)
        else:  # text may wrap; its header never breaks inside a word
            table.add_column(h, justify="left", overflow="fold", min_width=len(h))
    for r in rows:
        table.add_row(*r)
    console.print(table)


def _print_vertical(console: Console, columns: list[str], rows: list[list[str]], title: str, lang: str) -> None:
    from journeymap.i18n import t

    console.print(f"[bold]{title}[/bold] {t('cli.blocks', lang)}")
    label = max(len(c) for c in columns)
    for i, r in enumerate(rows, start=1):
        console.print(f"[dim]{t('cli.row', lang, n=i)}[/dim]")
        for c, v in zip(columns, r, strict=True):
            console.print(f"  {c.ljust(label)}  {v}", markup=False, highlight=False)
