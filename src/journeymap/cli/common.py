"""Helpers shared by the command modules: consoles, error printing, common options."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from journeymap.errors import JourneymapError

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

QuietOption = typer.Option(False, "--quiet", "-q", help="No progress bars or chatter (for scripts).")
WorkspaceOption = typer.Option(Path("."), "--workspace", "-w", help="The workspace folder (default: current).")


def report_error(exc: JourneymapError) -> None:
    """Print a domain error and its located diagnostics to stderr."""
    for d in exc.diagnostics:
        colour = {"error": "red", "warning": "yellow"}.get(d.level, "cyan")
        err_console.print(f"[{colour}]{d}[/{colour}]", soft_wrap=True)
    err_console.print(f"[red]error:[/red] {exc.message}", soft_wrap=True)
