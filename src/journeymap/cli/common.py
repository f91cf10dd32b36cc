"""Helpers shared by the command modules: consoles, error printing, common options."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from rich.console import Console

from journeymap.errors import JourneymapError

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

QuietOption = typer.Option(False, "--quiet", "-q", help="No progress bars or chatter (for scripts).")
WorkspaceOption = typer.Option(Path("."), "--workspace", "-w", help="The workspace folder (default: current).")


#: C0 and C1 control characters and DEL: from data they could move the cursor, clear the screen or retitle the
#: terminal (ANSI escape sequences start with ESC), and a carriage return would overwrite what was printed.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def printable(text: str) -> str:
    """Data text safe for a terminal: control characters shown as escapes (``\\r``, ``\\x1b``), never obeyed."""
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}"), text)


def report_error(exc: JourneymapError) -> None:
    """Print a domain error and its located diagnostics to stderr (in the language they were written in)."""
    from rich.markup import escape

    from journeymap.i18n import t

    for d in exc.diagnostics:
        colour = {"error": "red", "warning": "yellow"}.get(d.level, "cyan")
        err_console.print(f"[{colour}]{escape(d.text(exc.lang))}[/{colour}]", soft_wrap=True)
    err_console.print(f"[red]{t('level.error', exc.lang)}:[/red] {escape(exc.message)}", soft_wrap=True)
