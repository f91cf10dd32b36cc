"""Commands on maps: init, validate, lint, render, diff, schema."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from journeymap.cli import app
from journeymap.cli.common import QuietOption, console
from journeymap.cli.output import FormatOption, output_format

if TYPE_CHECKING:
    from journeymap.api import ValidationResult


def _print_result(result: ValidationResult, fmt: str, quiet: bool) -> None:
    """Diagnostics and the summary line (table), or the diagnostics as records (json, csv)."""
    import pandas as pd
    from rich.markup import escape

    from journeymap.cli.output import print_json

    lang = result.workspace.settings.language
    rows = [{"file": d.file, "line": d.line, "col": d.col, "level": d.level, "code": d.code, "message": d.message}
            for d in result.diagnostics]
    if fmt == "json":
        print_json({"diagnostics": rows, "errors": len(result.errors), "summary": result.summary()})
        return
    if fmt == "csv":
        from journeymap.engine.formatting import to_csv

        columns = ["file", "line", "col", "level", "code", "message"]
        console.out(to_csv({"diagnostics": pd.DataFrame(rows, columns=columns)}), end="", highlight=False)
        return
    for d in result.diagnostics:
        colour = {"error": "red", "warning": "yellow"}.get(d.level, "cyan")
        console.print(f"[{colour}]{escape(d.text(lang))}[/{colour}]", soft_wrap=True)
    if not quiet:
        console.print(escape(result.summary()), soft_wrap=True)


@app.command()
def init(
    directory: Path = typer.Argument(..., help="Folder for the new workspace (created if missing)."),
    template: str = typer.Option("webshop", "--template", "-t", help="webshop, b2b or subscription."),
    lang: str = typer.Option("en", "--lang", "-l", help="Language of the map: nl or en."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing workspace's template files."),
    quiet: bool = QuietOption,
) -> None:
    """Create a workspace from a template (personas, a journey, settings)."""
    from journeymap.i18n import LANGUAGES, t
    from journeymap.templates import init_workspace

    target = init_workspace(directory, template, lang, force=force)
    if not quiet:
        console.print(t("cli.created", lang if lang in LANGUAGES else "en", path=target, template=template,
                        lang=lang), soft_wrap=True)


@app.command()
def validate(
    directory: Path = typer.Argument(Path("."), help="The workspace folder."),
    with_data: bool = typer.Option(False, "--with-data", help="Also check data bindings against the event store."),
    fmt: str = FormatOption,
    quiet: bool = QuietOption,
) -> None:
    """Check a workspace like a compiler: every problem at once as file:line:col, exit 1 on errors."""
    from journeymap import api

    fmt = output_format(fmt)
    result = api.validate(directory, with_data=with_data)
    _print_result(result, fmt, quiet)
    if result.errors:
        raise typer.Exit(1)


@app.command()
def lint(
    directory: Path = typer.Argument(Path("."), help="The workspace folder."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when there is any advice."),
    fmt: str = FormatOption,
    quiet: bool = QuietOption,
) -> None:
    """Validate, then advise: unowned pain points, stale maps, assumed emotions, KPIs without target."""
    from journeymap import api

    fmt = output_format(fmt)
    result = api.lint(directory)
    _print_result(result, fmt, quiet)
    advice = len(result.diagnostics) - len(result.errors)
    if result.errors or (strict and advice):
        raise typer.Exit(1)


@app.command()
def render(
    journey: str = typer.Argument(..., help="A journey file (journeys/x.yaml) or a journey id."),
    output: Path = typer.Option(..., "--output", "-o", help="Output file: .html, .svg, .pdf, .png or .md."),
    workspace: Path = typer.Option(None, "--workspace", "-w", help="Workspace folder when JOURNEY is an id."),
    with_data: bool = typer.Option(False, "--with-data", help="Overlay metrics from the event store."),
    poster: bool = typer.Option(False, "--poster",
                                help="PDF/PNG: the whole map on one sheet (see --size) instead of A3 pages."),
    size: str = typer.Option(None, "--size", metavar="PAPER",
                             help="PDF/PNG paper: A0, A1, A2, A3 or A4 (landscape), or WIDTHxHEIGHT in mm "
                                  "(1000x700). Default: A3 pages, A1 poster."),
    dpi: float = typer.Option(None, "--dpi", min=20, max=1200,
                              help="PNG resolution in dots per inch. Default: 108 for pages, 150 for a poster."),
    quiet: bool = QuietOption,
) -> None:
    """Render a journey map to HTML, SVG, PDF, PNG or Markdown (Mermaid); PDF and PNG as A3 pages or a poster."""
    from journeymap import api
    from journeymap.cli.output import language_of
    from journeymap.i18n import t
    from journeymap.progress import progress

    lang = language_of(workspace or Path(journey).parent)
    with progress(quiet) as bar:
        bar.add_task(t("cli.rendering", lang, name=output.name), total=None)
        out = api.render(journey, output, workspace=workspace, with_data=with_data, poster=poster, size=size,
                         dpi=dpi)
    if not quiet:
        console.print(t("cli.wrote", lang, path=out), soft_wrap=True)


@app.command()
def diff(
    old: str = typer.Argument(..., help="Old version: a journey file, a workspace folder, or git REV:path."),
    new: str = typer.Argument(..., help="New version: a journey file, a workspace folder, or git REV:path."),
    fmt: str = typer.Option("markdown", "--format", "-f", help="markdown, text or json."),
    exit_code: bool = typer.Option(False, "--exit-code", help="Exit 1 when there are changes."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing; with --exit-code only the exit code "
                               "says whether the versions differ."),
) -> None:
    """What changed between two versions of a map, by stage, step and lane (for pull requests)."""
    from journeymap.errors import JourneymapError, suggest
    from journeymap.model.diff import diff_versions, format_changes

    if fmt not in ("markdown", "text", "json"):
        raise JourneymapError(f"unknown format {fmt!r}; {suggest(fmt, ['markdown', 'text', 'json'])}")
    changes = diff_versions(old, new)
    if not quiet:
        typer.echo(format_changes(changes, fmt), nl=False)
    if exit_code and changes:
        raise typer.Exit(1)


@app.command()
def schema(
    kind: str = typer.Option("journey", "--kind", "-k", help="journey, persona or settings."),
    output: Path = typer.Option(None, "--output", "-o", help="Write to a file instead of printing."),
    quiet: bool = QuietOption,
) -> None:
    """Print the JSON Schema of workspace files, for editor autocompletion."""
    from journeymap.model.schema import schema_text
    from journeymap.outfile import write_output

    text = schema_text(kind)
    if output:
        write_output(output, text, "the schema")
        if not quiet:
            console.print(f"Wrote {output}")
    else:
        typer.echo(text, nl=False)
