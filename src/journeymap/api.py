"""The Python API behind the CLI: one function per command, usable from notebooks.

Each function loads what it needs, calls the library, and returns plain results; the
CLI only prints them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journeymap.errors import Diagnostic, JourneymapError
from journeymap.model.workspace import Workspace, display_path, find_root, load_workspace


@dataclass
class ValidationResult:
    workspace: Workspace
    diagnostics: list[Diagnostic]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "error"]

    def summary(self) -> str:
        ws = self.workspace
        steps = sum(len(j.steps) for j in ws.journeys.values())
        counts = (f"{len(ws.personas)} persona{'s' * (len(ws.personas) != 1)}, "
                  f"{len(ws.journeys)} journey{'s' * (len(ws.journeys) != 1)}, {steps} steps")
        n_err = len(self.errors)
        n_other = len(self.diagnostics) - n_err
        if not n_err and not n_other:
            return f"workspace {display_path(ws.root)}: {counts}: no problems"
        parts = [f"{n_err} error{'s' * (n_err != 1)}"] if n_err else []
        if n_other:
            parts.append(f"{n_other} warning{'s' * (n_other != 1)}")
        return f"workspace {display_path(ws.root)}: {counts}: {', '.join(parts)}"


def validate(path: Path | str = ".", *, with_data: bool = False) -> ValidationResult:
    """All problems of a workspace at once; with ``with_data``, also check bindings against the events."""
    ws = load_workspace(path, strict=False)
    diags = list(ws.diagnostics)
    if with_data and not ws.errors:
        diags.extend(binding_diagnostics(ws))
    return ValidationResult(ws, sorted(diags))


def binding_diagnostics(ws: Workspace) -> list[Diagnostic]:
    """Bindings that match nothing and events matched twice, located in the journey files."""
    try:
        from journeymap.engine.binding import check_bindings
        from journeymap.events.store import open_events
    except ImportError as exc:  # pragma: no cover - both ship with the package
        raise JourneymapError(f"data checks are not available: {exc}") from exc
    table = open_events(ws)
    out: list[Diagnostic] = []
    for jid, journey in ws.journeys.items():
        report = check_bindings(ws, journey, table)
        out.extend(report.diagnostics(ws.journey_files[jid]))
    return out


def lint(path: Path | str = ".") -> ValidationResult:
    """Validation errors plus advice (see :mod:`journeymap.model.lint`)."""
    from journeymap.model.lint import lint_workspace

    ws = load_workspace(path, strict=False)
    diags = list(ws.diagnostics)
    if not ws.errors:
        diags.extend(lint_workspace(ws))
    return ValidationResult(ws, sorted(diags))


def workspace_for(journey_ref: str, workspace: Path | None = None) -> tuple[Workspace, str]:
    """The workspace and journey id for a journey given as a file path or an id."""
    ref_path = Path(journey_ref)
    if ref_path.suffix in (".yaml", ".yml"):
        if not ref_path.is_file():
            raise JourneymapError(f"no such journey file: {journey_ref}")
        root = find_root(ref_path.resolve().parent)
    else:
        root = find_root(workspace or Path("."))
    ws = load_workspace(root)
    return ws, ws.journey(journey_ref).id


def build_overlay(ws: Workspace, journey_id: str) -> Any:
    """Measured figures for the map: event analytics plus, when present, feedback (see :mod:`journeymap.livingmap`)."""
    from journeymap.livingmap import living_map

    return living_map(ws, journey_id)


def render(journey_ref: str, out: Path, *, workspace: Path | None = None, with_data: bool = False,
           fmt: str | None = None) -> Path:
    """Render a journey map to HTML, SVG, PDF, PNG or Markdown."""
    from journeymap.render import render_to_file

    ws, jid = workspace_for(journey_ref, workspace)
    overlay = build_overlay(ws, jid) if with_data else None
    return render_to_file(ws, jid, out, overlay=overlay, fmt=fmt)
