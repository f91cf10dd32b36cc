"""Every CLI command has help text and an entry in docs/cli.md (as sqlite-utils does)."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from journeymap.cli import app

DOCS = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def _command_objects() -> dict[str, object]:
    """'name' or 'group name' → the click command, read from the real command tree."""
    root = typer.main.get_command(app)
    out: dict[str, object] = {}
    for name, cmd in root.commands.items():  # type: ignore[attr-defined]
        sub = getattr(cmd, "commands", None)
        if sub:
            for sname, scmd in sub.items():
                out[f"{name} {sname}"] = scmd
        else:
            out[name] = cmd
    return out


def _commands() -> dict[str, str]:
    """'name' or 'group name' → help text."""
    return {name: getattr(cmd, "help", None) or "" for name, cmd in _command_objects().items()}


def _sections() -> dict[str, str]:
    """The text of docs/cli.md per '## `journeymap NAME`' section, and '' for the common options."""
    parts = re.split(r"^## (?:`journeymap ([a-z -]+)`|Common options)\n", DOCS.read_text(encoding="utf-8"), flags=re.M)
    return {(parts[i] or "").strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def test_the_core_commands_exist():
    assert {"init", "validate", "lint", "render", "diff", "schema"} <= set(_commands())


def test_every_command_has_help_text():
    missing = [name for name, text in _commands().items() if len(text.strip()) < 10]
    assert missing == []


def test_every_command_has_a_docs_entry():
    headings = set(re.findall(r"^## `journeymap ([a-z -]+)`", DOCS.read_text(encoding="utf-8"), re.M))
    missing = sorted(set(_commands()) - headings)
    assert missing == [], f"add a '## `journeymap NAME`' section to docs/cli.md for: {missing}"


def test_every_option_has_help_text_and_a_docs_entry():
    """Each visible option is named in its command's section of docs/cli.md, or among the common options."""
    sections = _sections()
    common = sections[""]
    missing, no_help = [], []
    for name, cmd in _command_objects().items():
        for param in cmd.params:  # type: ignore[attr-defined]
            if getattr(param, "hidden", False) or param.param_type_name != "option" or "--help" in param.opts:
                continue
            if len((getattr(param, "help", None) or "").strip()) < 5:
                no_help.append(f"{name} {param.opts[0]}")
            long = [o for o in param.opts if o.startswith("--")][0]
            if long not in sections.get(name, "") and long not in common:
                missing.append(f"{name} {long}")
    assert no_help == []
    assert missing == [], f"document these options in docs/cli.md: {missing}"


def test_the_common_options_are_on_every_command_that_prints():
    """--quiet everywhere; --format on every command that prints results (not those that write files)."""
    writes = {"init", "render", "report", "demo", "schema", "diff", "serve", "users add"}
    for name, cmd in _command_objects().items():
        opts = {o for p in cmd.params for o in p.opts}  # type: ignore[attr-defined]
        assert "--quiet" in opts and "-q" in opts, name
        if name not in writes:
            assert "--format" in opts and "-f" in opts, name


def test_version(run_cli):
    from journeymap import __version__

    result = run_cli("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"journeymap {__version__}"
