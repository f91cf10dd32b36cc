"""Progress bars for long work; ``quiet`` turns them off for scripts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


@contextmanager
def progress(quiet: bool = False, console: Console | None = None) -> Iterator[Progress]:
    """A rich Progress on stderr; disabled (but still usable) when ``quiet``."""
    bar = Progress(
        SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(),
        MofNCompleteColumn(), TimeElapsedColumn(),
        console=console or Console(stderr=True), disable=quiet, transient=False,
    )
    with bar:
        yield bar
