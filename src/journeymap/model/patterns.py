"""Binding patterns: the one definition of how an event name matches a step's ``events`` entry.

A pattern is an exact name, a glob (``*`` any run of characters, ``?`` one character, every
other character literal — ``[`` included) or ``re:<regex>`` in the RE2 dialect. The engine's
SQL (DuckDB's regexp functions are RE2 too) and Python (google-re2) use the same regexes
built here, so both sides agree, and matching is linear in the event name: no pattern can
backtrack for minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import re2

GLOB_CHARS = frozenset("*?[")
Kind = Literal["exact", "glob", "regex"]


def _options() -> re2.Options:
    opts = re2.Options()
    opts.log_errors = False
    return opts


def glob_regex(glob: str) -> str:
    """A glob (``*``, ``?``) as an anchored regular expression understood by RE2 and Java."""
    out = []
    for ch in glob:
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch.isalnum() or ch in "_- ":
            out.append(ch)
        else:
            out.append("\\" + ch)
    return "^" + "".join(out) + "$"


@dataclass(frozen=True)
class Pattern:
    """One parsed ``events`` entry: its kind and, for globs and regexes, the RE2 regex (searched)."""

    text: str
    kind: Kind
    regex: str | None

    def matches(self, event: str) -> bool:
        if self.regex is None:
            return event == self.text
        return _compiled(self.regex).search(event) is not None


def regex_error(regex: str) -> str | None:
    """Why RE2 refuses ``regex`` (``None`` when it compiles)."""
    try:
        _compiled(regex)
    except re2.error as exc:
        msg = exc.args[0] if exc.args else str(exc)
        return msg.decode("utf-8", "replace") if isinstance(msg, bytes) else str(msg)
    return None


@lru_cache(maxsize=4096)
def _compiled(regex: str) -> re2._Regexp:
    return re2.compile(regex, options=_options())


def parse(text: str) -> Pattern:
    """Parse and check a binding pattern; ``ValueError`` names what is wrong."""
    if text.startswith("re:"):
        regex = text[3:]
        if not regex:
            raise ValueError(f"empty regular expression in {text!r}; write re:<regex>, e.g. re:^cart_")
        why = regex_error(regex)
        if why is not None:
            raise ValueError(f"invalid regular expression {text!r}: {why} (regexes use the RE2 dialect: no "
                             "backreferences or lookarounds)")
        return Pattern(text, "regex", regex)
    if GLOB_CHARS & set(text):
        return Pattern(text, "glob", glob_regex(text))
    return Pattern(text, "exact", None)


def matches(pattern: str, event: str) -> bool:
    """Whether ``event`` matches the binding pattern ``pattern``."""
    return parse(pattern).matches(event)
