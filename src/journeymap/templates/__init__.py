"""Starter workspaces for ``journeymap init``: three realistic journeys in Dutch and English.

Each template is a folder ``<template>/<lang>/`` inside this package holding a complete
workspace (``journeymap.yaml``, ``personas/*.yaml``, ``journeys/*.yaml``). The YAML is
heavily commented because ``init`` output is where a first-time user learns the format.
Ids are the same English slugs in both languages, so data bindings, demo data and
analyses work whichever language the team writes in.

:func:`init_workspace` copies a template into a folder without ever leaving a
half-written workspace behind: the files are staged in a temporary folder beside the
target and moved into place only when all of them were written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from journeymap.errors import JourneymapError, suggest

TEMPLATES: tuple[str, ...] = ("webshop", "b2b", "subscription")
LANGUAGES: tuple[str, ...] = ("nl", "en")

TEMPLATE_DESCRIPTIONS: dict[str, str] = {
    "webshop": "online shop: awareness → consideration → decision → retention → advocacy "
    "(abandoned cart, reviews, referrals)",
    "b2b": "B2B buyer journey from need to agreement, with the decision-making unit, "
    "front- and back-office and field-research emotions",
    "subscription": "subscription service: evaluation → post-purchase → loyalty (McKinsey), "
    "service peaks, contract-end renewal and churn",
}

SETTINGS_FILE = "journeymap.yaml"
GITIGNORE_LINE = "data/"
_SKIP = {"__pycache__", "__init__.py"}


def _display(path: Path) -> str:
    """A path as the user typed it or relative to the current folder, never an internal one."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def _check_choice(kind: str, value: str, valid: tuple[str, ...]) -> None:
    if value not in valid:
        raise JourneymapError(f"unknown {kind} {value!r}; {suggest(value, valid)}")


def template_root(template: str, lang: str) -> Traversable:
    """The packaged folder of one template in one language (validated)."""
    _check_choice("template", template, TEMPLATES)
    _check_choice("language", lang, LANGUAGES)
    return resources.files(__name__).joinpath(template, lang)


def template_files(template: str, lang: str) -> dict[str, bytes]:
    """Every file of a template as ``relative/posix/path → content``, sorted by path."""
    out: dict[str, bytes] = {}

    def walk(node: Traversable, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.name in _SKIP or child.name.endswith(".pyc"):
                continue
            rel = f"{prefix}{child.name}"
            if child.is_dir():
                walk(child, rel + "/")
            else:
                out[rel] = child.read_bytes()

    root = template_root(template, lang)
    if root.is_dir():
        walk(root, "")
    if SETTINGS_FILE not in out:  # a broken installation, not a user error, but still no traceback
        raise JourneymapError(f"template {template!r} ({lang}) is missing from this installation of journeymap")
    return out


def _gitignore(existing: str | None) -> str:
    """A ``.gitignore`` that keeps the embedded stores (``data/``) out of version control."""
    if existing is None:
        return "# The embedded event and feedback stores: rebuilt from your sources, not committed.\n" + \
            GITIGNORE_LINE + "\n"
    lines = [line.strip() for line in existing.splitlines()]
    if GITIGNORE_LINE in lines or "/" + GITIGNORE_LINE in lines:
        return existing
    sep = "" if existing.endswith("\n") or not existing else "\n"
    return f"{existing}{sep}{GITIGNORE_LINE}\n"


def init_workspace(target: Path, template: str = "webshop", lang: str = "en", *, force: bool = False) -> Path:
    """Create a starter workspace from ``template`` in ``lang`` at ``target`` and return ``target``.

    ``target`` is created when missing. A folder that already holds a workspace
    (``journeymap.yaml``) or any of the template's files is refused unless ``force``,
    so nobody loses a map by re-running ``init``; other files in the folder are left
    alone. An existing ``.gitignore`` is extended with ``data/`` rather than replaced.
    """
    template, lang = template.strip().lower(), lang.strip().lower()
    files = template_files(template, lang)
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise JourneymapError(f"cannot create a workspace at {_display(target)}: it is a file, not a folder")
    if not force and target.is_dir():
        if (target / SETTINGS_FILE).exists():
            raise JourneymapError(
                f"{_display(target)} already holds a workspace ({SETTINGS_FILE} exists); "
                "choose another folder, or use --force to overwrite the template's files"
            )
        clashes = sorted(rel for rel in files if (target / rel).exists())
        if clashes:
            shown = ", ".join(clashes[:5]) + (", …" if len(clashes) > 5 else "")
            raise JourneymapError(
                f"{_display(target)} already has files the template would overwrite ({shown}); "
                "choose another folder, or use --force to overwrite them"
            )
    gitignore = target / ".gitignore"
    # surrogateescape: a .gitignore in another encoding is kept byte for byte, not "repaired"
    existing = gitignore.read_bytes().decode("utf-8", "surrogateescape") if gitignore.is_file() else None
    files[".gitignore"] = _gitignore(existing).encode("utf-8", "surrogateescape")

    parent = target.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{target.name or 'workspace'}.init-", dir=parent))
    except OSError as exc:
        raise JourneymapError(f"cannot create a workspace at {_display(target)}: {exc.strerror or exc}") from exc
    try:
        # mkdtemp's folder is private (0700); the workspace folder inside it gets the
        # user's normal permissions, so it can be renamed into place as it is.
        staging = scratch / "workspace"
        staging.mkdir()
        for rel, content in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        _move_into_place(staging, target, files)
    except OSError as exc:
        raise JourneymapError(f"cannot write the workspace at {_display(target)}: {exc.strerror or exc}") from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def _move_into_place(staging: Path, target: Path, files: dict[str, bytes]) -> None:
    """Move the fully written staging folder to ``target``.

    A new target gets the whole folder in one rename. Into an existing folder each
    file is moved with ``os.replace``, so every file is either the old one or the
    complete new one, never a half-written mix.
    """
    if not target.exists():
        os.replace(staging, target)
        return
    for rel in files:
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / rel, dest)
