"""Every CLI command has help text and an entry in docs/cli.md (as sqlite-utils does)."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from journeymap.cli import app

DOCS = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def _commands() -> dict[str, str]:
    """'name' or 'group name' → help text, read from the real click command tree."""
    root = typer.main.get_command(app)
    out: dict[str, str] = {}
    for name, cmd in root.commands.items():  # type: ignore[attr-defined]
        sub = getattr(cmd, "commands", None)
        if sub:
            for sname, scmd in sub.items():
                out[f"{name} {sname}"] = scmd.help or ""
        else:
            out[name] = cmd.help or ""
    return out


def test_the_core_commands_exist():
    assert {"init", "validate", "lint", "render", "diff", "schema"} <= set(_commands())


def test_every_command_has_help_text():
    missing = [name for name, text in _commands().items() if len(text.strip()) < 10]
    assert missing == []


def test_every_command_has_a_docs_entry():
    headings = set(re.findall(r"^## `journeymap ([a-z -]+)`", DOCS.read_text(encoding="utf-8"), re.M))
    missing = sorted(set(_commands()) - headings)
    assert missing == [], f"add a '## `journeymap NAME`' section to docs/cli.md for: {missing}"


def test_version(run_cli):
    from journeymap import __version__

    result = run_cli("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"journeymap {__version__}"
