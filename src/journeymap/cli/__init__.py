"""The ``journeymap`` command: a thin Typer shell over the Python API.

Each command module registers its commands on :data:`app` (or :data:`ingest_app`).
Every command body is a short call into the library; domain errors become a clean
exit in :func:`main`, never a traceback.
"""

from __future__ import annotations

import sys

import typer

from journeymap import __version__
from journeymap.cli.common import err_console, report_error
from journeymap.errors import JourneymapError

app = typer.Typer(
    name="journeymap",
    help="Customer journey maps as code, kept alive by data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
ingest_app = typer.Typer(help="Load event logs or feedback into the workspace's store.", no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"journeymap {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """Customer journey maps as code, kept alive by data."""


def _register() -> None:
    """Import the command modules; each adds its commands to the app."""
    import importlib

    for name in ("maps", "events", "analytics", "voc", "server", "warm"):
        try:
            importlib.import_module(f"journeymap.cli.{name}")
        except ModuleNotFoundError as exc:  # a module not written yet
            if exc.name != f"journeymap.cli.{name}":
                raise


_register()


def _is_usage_error(exc: BaseException) -> bool:
    """Typer ships its own copy of click; accept usage errors from either."""
    return any(cls.__name__ == "ClickException" for cls in type(exc).__mro__) and hasattr(exc, "show")


def main() -> None:
    """Entry point: run the app, turning domain errors into a message and exit code 1."""
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except JourneymapError as exc:
        report_error(exc)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # click usage errors and anything unexpected
        if _is_usage_error(exc):
            exc.show()  # type: ignore[attr-defined]
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        err_console.print(f"[red]internal error:[/red] {type(exc).__name__}: {exc}")
        err_console.print("This is a bug in journeymap; please report it with the command you ran.")
        sys.exit(2)
