"""Progress bars for long work; ``quiet`` turns them off for scripts.

The library names its phases in English (``removing duplicates``); the bar shows them in the language of the
command's workspace (:data:`language`, set by the CLI), through the catalogue's ``progress.*`` texts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TimeElapsedColumn,
)
from rich.text import Text

#: The language progress lines are shown in: the workspace's, set by the command that runs.
language: ContextVar[str] = ContextVar("journeymap_progress_language", default="en")


class _Description(ProgressColumn):
    """The task's description in :data:`language`."""

    def render(self, task: Task) -> Text:
        from journeymap.i18n import translate

        return Text(translate(task.description, language.get(), "progress."), style="progress.description")


@contextmanager
def progress(quiet: bool = False, console: Console | None = None) -> Iterator[Progress]:
    """A rich Progress on stderr; disabled (but still usable) when ``quiet``."""
    bar = Progress(
        SpinnerColumn(), _Description(), BarColumn(),
        MofNCompleteColumn(), TimeElapsedColumn(),
        console=console or Console(stderr=True), disable=quiet, transient=False,
    )
    with bar:
        yield bar
