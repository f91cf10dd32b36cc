"""Diagnostics and the one error type the CLI turns into a clean exit."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning", "advice"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem, located like a compiler error: ``file:line:col: message``."""

    file: str
    line: int
    col: int
    message: str
    level: Level = "error"
    code: str = ""

    def __str__(self) -> str:
        return self.text("en")

    def text(self, lang: str = "en") -> str:
        """``file:line:col: [level: ]message`` with the level named in ``lang`` (the message is already in it)."""
        tag = ""
        if self.level != "error":
            from journeymap.i18n import t

            tag = f"{t('level.' + self.level, lang)}: "
        return f"{self.file}:{self.line}:{self.col}: {tag}{self.message}"


class JourneymapError(Exception):
    """A user-facing error: printed without a traceback, exit code 1; ``lang`` is the language its message
    and diagnostics are written in (the workspace's, when one was loaded)."""

    def __init__(self, message: str, diagnostics: Iterable[Diagnostic] = (), lang: str = "en") -> None:
        super().__init__(message)
        self.message = message
        self.diagnostics = list(diagnostics)
        self.lang = lang


def suggest(value: str, valid: Iterable[str], lang: str = "en") -> str:
    """``did you mean 'x'? expected one of: a, b, c`` for an unknown value (in ``lang``: the catalogue's
    ``errors.*`` texts; English is also what quarantine reasons store)."""
    from journeymap.i18n import t

    options = sorted(set(valid))
    close = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    hint = t("errors.did_you_mean", lang, value=repr(close[0])) if close else ""
    shown = ", ".join(options[:25]) + (", …" if len(options) > 25 else "")
    return hint + t("errors.expected_one_of", lang, values=shown) if options else t("errors.nothing_defined", lang)
