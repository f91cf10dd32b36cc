"""One way to say things on every command: ``--format table|json|csv``, in the workspace's language.

``table`` is for people: numbers in the language's style (22.935 in Dutch), headers and texts from the
message catalogue. ``json`` and ``csv`` are for scripts: the same records with their English field names,
whatever the language, so a script works on every workspace. Several tables become one JSON object
``{name: rows}`` or one CSV that pandas reads as it is (see :func:`journeymap.engine.formatting.to_csv`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from journeymap.cli.common import console
from journeymap.errors import JourneymapError, suggest

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("table", "json", "csv")
FormatOption = typer.Option("table", "--format", "-f", metavar="FORMAT",
                            help="table (for people), json or csv (for scripts).")
#: The old ``--json`` flag of feedback, sentiment and follow-up: still read, no longer shown.
JsonAlias = typer.Option(False, "--json", hidden=True, help="Deprecated: the same as --format json.")


def output_format(fmt: str, as_json: bool = False) -> str:
    """The chosen format, checked; ``--json`` (deprecated) means json."""
    fmt = (fmt or "table").lower()
    if fmt not in FORMATS:
        raise JourneymapError(f"unknown format {fmt!r}; {suggest(fmt, FORMATS)}")
    if as_json:
        if fmt not in ("table", "json"):
            raise JourneymapError(f"--json and --format {fmt} disagree: give one of them (--json is --format json)")
        return "json"
    return fmt


def language_of(workspace: Path | str | None) -> str:
    """The language of the workspace at (or above) ``workspace``; English when there is none. Progress lines of
    the command follow it (see :mod:`journeymap.progress`)."""
    lang = _language_of(workspace)
    speak(lang)
    return lang


def speak(lang: str) -> None:
    """Show this command's progress lines in ``lang``."""
    from journeymap.progress import language

    language.set(lang)


def _language_of(workspace: Path | str | None) -> str:
    from journeymap.model.workspace import find_root
    from journeymap.model.yamlio import load_file

    try:
        root = find_root(Path(workspace or "."))
        doc = load_file(root / "journeymap.yaml", "journeymap.yaml")
    except Exception:  # no workspace, or one that validate reports: messages stay English
        return "en"
    lang = doc.get("language") if isinstance(doc, dict) else None
    return lang if lang in ("nl", "en") else "en"


def plain(value: Any) -> Any:
    """JSON-ready: dataclasses as dicts, dates as ISO text."""
    if is_dataclass(value) and not isinstance(value, type):
        return plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def print_json(data: Any) -> None:
    console.out(json.dumps(plain(data), indent=2, ensure_ascii=False, default=str), highlight=False)


def emit(frames: dict[str, pd.DataFrame], fmt: str, lang: str = "en", *, titles: dict[str, str] | None = None,
         explain: bool = False) -> None:
    """Print named tables as a table per frame (titled from ``titles`` or the catalogue), JSON or CSV."""
    from journeymap.cli.tables import print_frame
    from journeymap.engine import compile as C
    from journeymap.engine.formatting import to_csv, to_json
    from journeymap.i18n import has, t

    if fmt == "json":
        console.out(to_json(frames, explain=explain), highlight=False)
        return
    if fmt == "csv":
        console.out(to_csv(frames), end="", highlight=False)
        return
    if explain:
        plan: list[str] = next((df.attrs["plan"] for df in frames.values() if df.attrs.get("plan")), [])
        for line in plan:
            console.print(f"-- plan: {line}", style="dim", soft_wrap=True, markup=False, highlight=False)
    for name, df in frames.items():
        title = (titles or {}).get(name) or (t(f"analyses.{name}.title", lang)
                                             if has(f"analyses.{name}.title", lang) else name)
        shown = df.drop(columns=[c for c in ("name",) if c in df.columns and len(df.columns) > 8])
        print_frame(console, shown, title, lang)
        if explain:
            console.print(f"[dim]-- SQL: {name}[/dim]")
            console.out(str(df.attrs.get(C.SQL_ATTR) or "(computed from the tables above)"), highlight=False)
