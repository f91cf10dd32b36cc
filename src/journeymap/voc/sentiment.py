"""Sentiment of customer texts, Dutch and English, offline: label and score -1..1 per text.

Two backends share one output shape (:class:`Sentiment`):

* :class:`LexiconBackend` (the default): lexicon and rules, no model download. Words and
  phrases come from the packaged lexicons plus our service-language additions
  (:mod:`journeymap.voc.lexicon`); rules handle negation ("niet tevreden", "not happy"),
  intensifiers ("erg traag"), contrast ("prima product, maar de bezorging was een drama" —
  the clause after "maar" counts more) and exclamation marks. Summed word scores are
  squashed to -1..1 as VADER does (``s / sqrt(s² + 15)``).
* :class:`~journeymap.voc.transformer.TransformerBackend`: a local model directory (e.g. a
  RobBERT sentiment model) run in batches.

``analyze`` detects each text's language first; texts in an unknown language are labelled
``unknown`` and scored with both lexicons rather than dropped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from journeymap.voc.language import detect_language
from journeymap.voc.lexicon import Lexicon, get_lexicon, rules, tokenize

Label = Literal["positive", "negative", "neutral"]
LABELS: tuple[Label, ...] = ("positive", "negative", "neutral")

#: ``|score|`` below this is neutral. Service texts are mostly factual, so the band is wider than VADER's 0.05.
NEUTRAL_BAND = 0.25
_ALPHA = 15.0  # VADER's normalisation constant


@dataclass(frozen=True)
class Sentiment:
    """The sentiment of one text."""

    label: Label
    score: float  # -1 (very negative) .. +1 (very positive)
    language: str  # nl, en or unknown


class Backend(Protocol):
    """Anything that scores texts; ``languages`` may be given to skip detection."""

    def analyze(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Sentiment]: ...


def label_for(score: float, band: float = NEUTRAL_BAND) -> Label:
    """The three-class label of a score."""
    if score >= band:
        return "positive"
    if score <= -band:
        return "negative"
    return "neutral"


def raw_valence(tokens: list[str], lex: Lexicon) -> float:
    """The summed valence of a token list (VADER scale) after phrases, negation, boosters and contrast."""
    values: list[float] = []
    contrast_at = -1
    negate_left = 0
    weak = False
    boost = 0.0
    exclaim = 0
    words, phrases, negators, boosters = lex.words, lex.phrases, lex.negators, lex.boosters
    n = len(tokens)
    i = 0
    while i < n:
        tok = tokens[i]
        value: float | None = None
        width = 1
        candidates = phrases.get(tok)
        if candidates:
            for parts, score in candidates:
                k = len(parts)
                if tuple(tokens[i:i + k]) == parts:
                    value, width = score, k
                    break
        if value is None:
            if tok in negators or tok.endswith("n't"):
                negate_left = rules.NEGATION_WINDOW
                weak = tok in rules.WEAK_NEGATORS
                i += 1
                continue
            if tok in boosters:
                nxt = tokens[i + 1] if i + 1 < n else ""
                if nxt and (lex.word(nxt) or nxt in phrases or nxt in boosters):
                    boost += boosters[tok]
                    i += 1
                    continue
                value = lex.standalone.get(tok)
            elif tok in lex.contrast or (tok in rules.COMMA_CONTRAST and i and tokens[i - 1] == ","):
                contrast_at = len(values)
                negate_left = 0
                boost = 0.0
                i += 1
                continue
            elif tok in rules.CLAUSE_BREAKS:
                if tok == "!":
                    exclaim += 1
                if negate_left > 0 and not weak:
                    values.append(rules.NEGATED_NEUTRAL)
                negate_left = 0
                boost = 0.0
                i += 1
                continue
            else:
                value = words.get(tok)
                if value is None:
                    value = lex.word(tok)
        if value:
            value *= 1.0 + boost
            if negate_left > 0:
                value *= rules.NEGATION_SCALAR
                negate_left = 0
            values.append(value)
            boost = 0.0
        elif negate_left > 0:
            negate_left -= 1
            if (negate_left == 0 or i + width >= n) and not weak:
                values.append(rules.NEGATED_NEUTRAL)  # "lukt niet", "doet niets": a problem without a mood word
        i += width
    if contrast_at >= 0:
        values = [v * (rules.CONTRAST_BEFORE if j < contrast_at else rules.CONTRAST_AFTER) for j, v in enumerate(values)]
    total = sum(values)
    if total and exclaim:
        total += math.copysign(0.3 * min(exclaim, 3), total)
    return total


def normalise(total: float) -> float:
    """Squash a summed valence onto -1..1."""
    return total / math.sqrt(total * total + _ALPHA) if total else 0.0


class LexiconBackend:
    """The default, offline backend: lexicons and rules (see the module docstring)."""

    def __init__(self, neutral_band: float = NEUTRAL_BAND) -> None:
        self.neutral_band = neutral_band

    def score(self, text: str, language: str | None = None) -> Sentiment:
        """The sentiment of one text; ``language`` (nl/en) skips detection."""
        lang = language or detect_language(text)
        value = normalise(raw_valence(tokenize(text), get_lexicon(lang)))
        return Sentiment(label_for(value, self.neutral_band), round(value, 4), lang)

    def analyze(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Sentiment]:
        """The sentiment of many texts."""
        langs: Iterable[str | None] = languages if languages is not None else [None] * len(texts)
        return [self.score(t, lang) for t, lang in zip(texts, langs, strict=True)]


_DEFAULT: LexiconBackend | None = None


def default_backend() -> LexiconBackend:
    """A shared :class:`LexiconBackend`."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = LexiconBackend()
    return _DEFAULT


def analyze(texts: Sequence[str], languages: Sequence[str | None] | None = None,
            backend: Backend | None = None) -> list[Sentiment]:
    """Label and score texts with ``backend`` (default: the offline lexicon backend)."""
    return (backend or default_backend()).analyze(texts, languages)


def sentiment(text: str, language: str | None = None) -> Sentiment:
    """The sentiment of one text with the default backend."""
    return default_backend().score(text, language)


def backend_for(model_dir: str | None = None, batch_size: int = 32) -> Backend:
    """The lexicon backend, or the transformer backend for a local model directory."""
    if not model_dir:
        return default_backend()
    from journeymap.voc.transformer import TransformerBackend

    return TransformerBackend(model_dir, batch_size=batch_size)


def read_texts(path: str) -> list[str]:
    """Texts to score from a file, one per line (empty lines skipped); a clear error when unreadable."""
    from pathlib import Path

    from journeymap.errors import JourneymapError

    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise JourneymapError(f"no such file: {path}") from exc
    except UnicodeDecodeError as exc:
        raise JourneymapError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    return [line.strip() for line in text.splitlines() if line.strip()]
