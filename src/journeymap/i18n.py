"""Message catalogues: every user-facing label in Dutch and English comes from here.

The catalogues are YAML files shipped as package data (``journeymap/locales/<lang>.yaml``),
flat mappings of dotted keys to texts with ``str.format`` placeholders. Keeping them out
of the code lets a translator work on one file and lets a test prove that both languages
have the same keys.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from importlib import resources

from journeymap.errors import JourneymapError, suggest

LANGUAGES: tuple[str, ...] = ("nl", "en")


def _flatten(node: object, prefix: str, out: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(value, f"{prefix}{key}.", out)
    elif isinstance(node, list):
        out[prefix[:-1]] = "|".join(str(v) for v in node)
    else:
        out[prefix[:-1]] = "" if node is None else str(node)


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All texts of ``lang`` as a flat ``{dotted.key: text}`` mapping (lists are joined by ``|``)."""
    if lang not in LANGUAGES:
        raise JourneymapError(f"unknown language {lang!r}; {suggest(lang, LANGUAGES)}")
    from ruamel.yaml import YAML  # here, not at the top: the CLI starts without loading the YAML library

    text = resources.files("journeymap").joinpath("locales", f"{lang}.yaml").read_text(encoding="utf-8")
    out: dict[str, str] = {}
    _flatten(YAML(typ="safe").load(text), "", out)
    return out


def t(key: str, lang: str, /, **kw: object) -> str:
    """The text for ``key`` in ``lang`` with ``kw`` filled in.

    A missing key is a programming error (the catalogue test keeps both languages
    complete), so it raises ``KeyError`` rather than showing a half-translated map.
    """
    text = catalogue(lang)[key]
    return text.format(**kw) if kw else text


def tn(key: str, n: int, lang: str, /, **kw: object) -> str:
    """The singular (``key.one``) or plural (``key.other``) text for ``n``, with ``n`` written in the language's
    digits (``{n}``): ``1 stap``, ``15 stappen``."""
    return t(f"{key}.{'one' if n == 1 else 'other'}", lang, n=format_number(n, lang), **kw)


def has(key: str, lang: str) -> bool:
    """Whether the catalogue has ``key`` (labels for open sets, such as channels, fall back to the id)."""
    return key in catalogue(lang)


def channel_name(channel: str, lang: str) -> str:
    """A channel as people say it (``email`` → ``e-mail`` in Dutch); a workspace's own channels keep their id."""
    return t(f"channel.{channel}", lang) if has(f"channel.{channel}", lang) else channel


def yes_no(value: bool, lang: str) -> str:
    return t("yes_no.yes" if value else "yes_no.no", lang)


@cache
def _patterns(prefix: str) -> list[tuple[str, re.Pattern[str], list[str]]]:
    """(key, regex, fields) for every English text under ``prefix``: texts stored or made in English."""
    out = []
    for key, text in catalogue("en").items():
        if not key.startswith(prefix):
            continue
        fields = re.findall(r"\{(\w+)\}", text)
        parts = re.split(r"\{\w+\}", text)
        pattern = "".join(re.escape(p) + (f"(?P<{fields[i]}>.+?)" if i < len(fields) else "")
                          for i, p in enumerate(parts))
        out.append((key, re.compile(pattern + r"\Z", re.S), fields))
    return out


def translate_reason(reason: str, lang: str) -> str:
    """A stored quarantine reason (English: the store keeps one text per reason, which ``--reason`` selects)
    in ``lang``. The English texts of ``reasons.*`` are the stored ones; a reason with values (``score outside
    the nps scale 0–10``) is recognised by its text with the values in between. Unknown texts stay as they are."""
    return _translate(reason, lang, "reasons.")


def translate_note(note: str, lang: str) -> str:
    """A note the engine wrote on a measured map (``engine_notes.*``: no events in a period, a persona rule on a
    property no event has) in ``lang``; notes already in ``lang`` (the feedback's) stay as they are."""
    return _translate(note, lang, "engine_notes.")


def translate(text: str, lang: str, prefix: str) -> str:
    """``text``, written in English from the catalogue's texts under ``prefix``, in ``lang`` (unknown texts stay)."""
    return _translate(text, lang, prefix)


def _translate(text: str, lang: str, prefix: str) -> str:
    if lang == "en":
        return text
    for key, pattern, _fields in _patterns(prefix):
        m = pattern.match(text)
        if m:
            values = {k: translate_hint(v, lang) if k == "hint" else v for k, v in m.groupdict().items()}
            return t(key, lang, **values) if values else t(key, lang)
    return text


def translate_hint(hint: str, lang: str) -> str:
    """The text of :func:`journeymap.errors.suggest` (stored in English inside a reason) in ``lang``."""
    m = re.fullmatch(r"(?:did you mean (?P<value>.+?)\? )?expected one of: (?P<values>.*)", hint, re.S)
    if m is None:
        return t("errors.nothing_defined", lang) if hint == t("errors.nothing_defined", "en") else hint
    head = t("errors.did_you_mean", lang, value=m["value"]) if m["value"] else ""
    return head + t("errors.expected_one_of", lang, values=m["values"])


def months(lang: str) -> list[str]:
    """Month names, January first."""
    return t("date.months", lang).split("|")


def format_date(value: dt.date | None, lang: str) -> str:
    """``23 november 2026`` / ``23 November 2026``: day-month-year reads naturally in both."""
    if value is None:
        return ""
    return t("date.format", lang, day=value.day, month=months(lang)[value.month - 1], year=value.year)


def format_number(value: float, lang: str, decimals: int = 0) -> str:
    """Grouped digits in the language's style: ``12.345,6`` (nl) / ``12,345.6`` (en); a negative number
    gets a real minus sign (``−1,0``), not a hyphen, so it does not break from its digits or read as a dash."""
    text = f"{value:,.{decimals}f}"
    if lang == "nl":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    if text.startswith("-"):
        text = "\u2212" + text[1:] if text.strip("-0.,") else text[1:]  # −0,0 is shown as 0,0
    return text


def format_signed(value: float, lang: str, decimals: int = 0) -> str:
    """A change or a score that may go either way: ``+4``, ``0``, ``−2,5`` (a plus sign on positive values)."""
    return ("+" if value > 0 else "") + format_number(value, lang, decimals)


def format_percent(share: float | None, lang: str, decimals: int = 0) -> str:
    """A share (0.125) as a percentage: ``12,5 %`` (nl) or ``12.5%`` (en)."""
    if share is None:
        return ""
    return t("number.percent", lang, value=format_number(share * 100, lang, decimals))


def format_duration(seconds: float | None, lang: str, *, units: int = 1) -> str:
    """A duration for people. ``units=1`` (map cells): the largest sensible unit, ``45 s``, ``12 min``,
    ``3,5 h``, ``2 d``. ``units=2`` (tables): the two largest whole units, ``2 h 15 min``, ``1 min 35 s``."""
    if seconds is None:
        return ""
    if seconds < 0:
        return "\u2212" + format_duration(-seconds, lang, units=units)
    sizes = (("days", 86400.0), ("hours", 3600.0), ("minutes", 60.0))
    if units == 1:
        for unit, size in sizes:
            if seconds >= size:
                amount = seconds / size
                return t(f"duration.{unit}", lang, value=format_number(amount, lang, 0 if amount >= 10 else 1))
        return t("duration.seconds", lang, value=format_number(seconds, lang))
    if seconds < 60:
        decimals = 0 if seconds >= 10 or seconds == int(seconds) else 1
        return t("duration.seconds", lang, value=format_number(seconds, lang, decimals))
    left = round(seconds)
    parts: list[str] = []
    for unit, size in (*sizes, ("seconds", 1.0)):
        whole = int(left // size)
        if parts or whole:
            if whole:
                parts.append(t(f"duration.{unit}", lang, value=format_number(whole, lang)))
            left -= int(whole * size)
            if len(parts) == units or (parts and not whole):
                break
    return " ".join(parts)
