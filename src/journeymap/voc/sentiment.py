"""Sentiment and intent of customer texts, Dutch and English, offline: label, score -1..1, intent.

Two backends share one output shape (:class:`Sentiment`):

* :class:`LexiconBackend` (the default): lexicons, service rules and grammar rules, no model
  download. Words and phrases come from the packaged lexicons plus our service-language
  additions (:mod:`journeymap.voc.lexicon`); the service-language layer
  (:mod:`journeymap.voc.service`, a YAML file) recognises what customers describe happening
  ("nog steeds niets gehoord", "the engineer texted ahead"), irony markers, churn, questions and
  requests; grammar rules handle negation ("niet tevreden"), intensifiers ("erg traag"),
  contrast (the clause after "maar"/"but" counts more) and exclamation marks. Summed scores
  are squashed to -1..1 as VADER does (``s / sqrt(s² + 15)``).
* :class:`~journeymap.voc.transformer.TransformerBackend`: a local model directory (e.g. a
  RobBERT sentiment model) run in batches with PyTorch or ONNX Runtime; the service rules
  still give the intent.

``analyze`` detects each text's language first; texts in an unknown language are labelled
``unknown`` and scored with both languages' lexicons and rules rather than dropped.

Phases of one text: tokens (:func:`~journeymap.voc.lexicon.tokenize`) → one walk over the tokens
that records every contribution with where it came from, and passes that reweigh contributions
by what else the text says (irony, loyalty, questions and requests, contrast) — both in
:mod:`journeymap.voc.scan` → the summed score, its label and the intent (:mod:`journeymap.voc.intent`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from journeymap.voc import intent as intents_mod
from journeymap.voc.language import detect_language
from journeymap.voc.lexicon import get_lexicon, tokenize
from journeymap.voc.scan import Part, Scan, scan, scare_quoted
from journeymap.voc.service import Hit, RuleSet, ServiceRules, bundled_rules, rules_for

__all__ = ["LABELS", "NEUTRAL_BAND", "Backend", "Explanation", "Label", "LexiconBackend", "Part", "Scan", "Sentiment",
           "analyze", "backend_for", "default_backend", "label_for", "normalise", "read_texts", "scan", "sentiment"]

Label = Literal["positive", "negative", "neutral"]
LABELS: tuple[Label, ...] = ("positive", "negative", "neutral")

#: ``|score|`` below this is neutral. Service texts are mostly factual, so the band is wider than VADER's 0.05.
NEUTRAL_BAND = 0.25
_ALPHA = 15.0  # VADER's normalisation constant


@dataclass(frozen=True)
class Sentiment:
    """The sentiment of one text, and what the customer wants (``intent``, with a 0..1 score per intent)."""

    label: Label
    score: float  # -1 (very negative) .. +1 (very positive)
    language: str  # nl, en or unknown
    intent: str = intents_mod.NO_INTENT  # complaint, question, praise, churn, request or none
    intents: dict[str, float] = field(default_factory=dict, hash=False, compare=False)


@dataclass
class Explanation:
    """Why a text got its label and intent: the parts, the rules that fired (with file:line), the sum."""

    text: str
    sentiment: Sentiment
    parts: list[Part]
    rules: list[str]
    total: float


class Backend(Protocol):
    def analyze(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Sentiment]: ...


def label_for(score: float, band: float = NEUTRAL_BAND) -> Label:
    """Map a -1..1 score onto positive / negative / neutral."""
    if score >= band:
        return "positive"
    if score <= -band:
        return "negative"
    return "neutral"


def normalise(total: float) -> float:
    """Squash a summed valence onto -1..1 (VADER's normalisation)."""
    return total / math.sqrt(total * total + _ALPHA) if total else 0.0


def _pattern_source(hit: Hit) -> str:
    """file:line of the pattern that matched (the rule's line when the pattern's is unknown)."""
    rule = hit.rule
    if hit.pattern in rule.patterns and len(rule.pattern_sources) == len(rule.patterns):
        return rule.pattern_sources[rule.patterns.index(hit.pattern)]
    return rule.source


class LexiconBackend:
    """The default, offline backend: lexicons, service rules and grammar rules (see the module docstring).

    ``service_rules``: the service-language rules (default: the bundled ones; :func:`backend_for`
    merges a workspace's ``sentiment-rules.yaml`` on top).
    """

    def __init__(self, neutral_band: float = NEUTRAL_BAND, service_rules: ServiceRules | None = None) -> None:
        self.neutral_band = neutral_band
        self.service_rules = service_rules if service_rules is not None else bundled_rules()
        self._rulesets: dict[str, RuleSet] = {}

    def ruleset(self, language: str) -> RuleSet:
        """The compiled rules for one language (``unknown``: both languages' rules)."""
        key = language if language in ("nl", "en") else "unknown"
        found = self._rulesets.get(key)
        if found is None:
            found = self._rulesets[key] = self.service_rules.ruleset(key)
        return found

    def _result(self, result: Scan, lang: str) -> Sentiment:
        value = round(normalise(result.total), 4)
        label = label_for(value, self.neutral_band)
        scores = intents_mod.intent_scores(result.hits, value)
        return Sentiment(label, value, lang, intents_mod.decide(scores, label), scores)

    def score(self, text: str, language: str | None = None) -> Sentiment:
        """The sentiment and intent of one text; ``language`` (nl/en) skips detection."""
        lang = language or detect_language(text)
        return self._result(scan(tokenize(text), get_lexicon(lang), self.ruleset(lang), quoted=scare_quoted(text)), lang)

    def explain(self, text: str, language: str | None = None) -> Explanation:
        """Which words, phrases and rules decided the label and intent of ``text``."""
        lang = language or detect_language(text)
        result = scan(tokenize(text), get_lexicon(lang), self.ruleset(lang), explain=True, quoted=scare_quoted(text))
        fired = list(dict.fromkeys(f"{h.rule.id} ({h.rule.kind}) {_pattern_source(h)}: {h.pattern!r}"
                                   for h in result.hits))
        return Explanation(text, self._result(result, lang), result.parts or [], fired, round(result.total, 3))

    def intent_for(self, text: str, language: str, label: Label, score: float) -> tuple[str, dict[str, float]]:
        """The intent of ``text`` given another backend's label and score (the service rules still read it)."""
        result = scan(tokenize(text), get_lexicon(language), self.ruleset(language), quoted=scare_quoted(text))
        scores = intents_mod.intent_scores(result.hits, score)
        return intents_mod.decide(scores, label), scores

    def analyze(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Sentiment]:
        """The sentiment and intent of many texts."""
        langs: Iterable[str | None] = languages if languages is not None else [None] * len(texts)
        return [self.score(t, lang) for t, lang in zip(texts, langs, strict=True)]


_DEFAULT: LexiconBackend | None = None


def default_backend() -> LexiconBackend:
    """A shared :class:`LexiconBackend` with the bundled rules."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = LexiconBackend()
    return _DEFAULT


def analyze(texts: Sequence[str], languages: Sequence[str | None] | None = None,
            backend: Backend | None = None) -> list[Sentiment]:
    """Label, score and intent of texts with ``backend`` (default: the offline lexicon backend)."""
    return (backend or default_backend()).analyze(texts, languages)


def sentiment(text: str, language: str | None = None) -> Sentiment:
    """The sentiment of one text with the default backend."""
    return default_backend().score(text, language)


def backend_for(model_dir: str | None = None, batch_size: int = 32, rules_files: Sequence[Path] = (),
                runtime: str = "auto") -> Backend:
    """The lexicon backend (with ``rules_files`` merged on the bundled service rules), or the transformer
    backend for a local model directory (``runtime``: torch, onnx or auto), whose intents come from
    the same rules."""
    lexicon = LexiconBackend(service_rules=rules_for(rules_files)) if rules_files else default_backend()
    if not model_dir:
        return lexicon
    from journeymap.voc.transformer import TransformerBackend

    return TransformerBackend(model_dir, batch_size=batch_size, runtime=runtime, rules=lexicon)


def read_texts(path: str) -> list[str]:
    """Texts to score from a file, one per line (empty lines skipped); a clear error when unreadable."""
    from journeymap.errors import JourneymapError

    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise JourneymapError(f"no such file: {path}") from exc
    except UnicodeDecodeError as exc:
        raise JourneymapError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    return [line.strip() for line in text.splitlines() if line.strip()]
