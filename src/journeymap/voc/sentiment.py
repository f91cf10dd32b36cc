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
from dataclasses import dataclass, field
from typing import Literal, Protocol

from journeymap.voc.language import detect_language
from journeymap.voc.lexicon import Lexicon, get_lexicon, rules, tokenize
from journeymap.voc.service import INTENTS, KIND_INTENTS, Hit, Rule, RuleSet, bundled_rules

Label = Literal["positive", "negative", "neutral"]
LABELS: tuple[Label, ...] = ("positive", "negative", "neutral")

#: ``|score|`` below this is neutral. Service texts are mostly factual, so the band is wider than VADER's 0.05.
NEUTRAL_BAND = 0.25
_ALPHA = 15.0  # VADER's normalisation constant
#: An intent needs at least this score (0..1) to be a text's intent; churn wins whenever it reaches it.
INTENT_THRESHOLD = 0.5
#: Mood words in a question count this much: "is the premium plan any good?" asks, it does not praise.
QUESTION_DAMPING = 0.5
#: Kinds of rule that report something going wrong (praise words before them read as irony).
_NEGATIVE_EVENTS = frozenset({"failure", "expectation", "churn"})
#: Kinds whose meaning a negation removes instead of flipping ("I'm not cancelling", "niet om te klagen, maar").
#: On equal scores: "kunt u mij terugbellen?" is a request more than a question.
_TIE_ORDER = ("complaint", "request", "question", "praise")
_DROPPED_WHEN_NEGATED = frozenset({"churn", "cancel", "irony", "loyalty", "question", "request", "neutral"})


@dataclass(frozen=True)
class Sentiment:
    """The sentiment of one text, and what the customer wants (``intent``, scores per intent 0..1)."""

    label: Label
    score: float  # -1 (very negative) .. +1 (very positive)
    language: str  # nl, en or unknown
    intent: str = "none"  # complaint, question, praise, churn, request or none
    intents: dict[str, float] = field(default_factory=dict, hash=False)


@dataclass
class Part:
    """One thing that moved the score, for ``--explain``: the words, what recognised them, the value."""

    words: str
    source: str  # "lexicon", "phrase", "negation" or a rule id such as "nl.waiting (failure)"
    value: float  # its final contribution (VADER scale), after the notes below
    notes: list[str] = field(default_factory=list)


@dataclass
class Explanation:
    """Why a text got its label: the parts, the rules that fired and the intents."""

    text: str
    sentiment: Sentiment
    parts: list[Part]
    rules: list[str]
    total: float


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


@dataclass
class Scan:
    """What one pass over a text's tokens found: the summed valence and the rules that fired."""

    total: float
    hits: list[Hit]
    parts: list[Part] | None = None


def scan(tokens: list[str], lex: Lexicon, ruleset: RuleSet | None = None, explain: bool = False) -> Scan:  # noqa: C901
    """Phrases and service rules first (longest match), then negation, boosters, contrast, irony, questions.

    Every contribution is kept with where it came from (``kinds``: "" for the lexicon, "negation" for a
    negation that reached no mood word, else the rule's kind), so that the passes after the loop can
    reweigh it: praise words before a service failure are irony, loyalty beside a complaint is
    disappointment, mood words in a question are damped, and the clause after "maar"/"but" counts more.
    """
    values: list[float] = []
    at: list[int] = []  # token position of each value
    kinds: list[str] = []
    sentence_of: list[int] = []
    spans: list[tuple[int, int, str]] = []  # (start, end, source) per value, for explain
    hits: list[Hit] = []
    negated_hits: list[Hit] = []
    contrast_at = -1
    contrast_tokens: list[int] = []
    question_sentences: set[int] = set()
    sentence = 0
    negate_left = 0
    weak = False
    boost = 0.0
    exclaim = 0
    words, phrases, negators, boosters = lex.words, lex.phrases, lex.negators, lex.boosters
    n = len(tokens)
    i = 0
    while i < n:
        tok = tokens[i]
        hit = ruleset.match_at(tokens, i) if ruleset is not None else None
        if hit is not None:
            kind = hit.rule.kind
            negated = negate_left > 0 and not weak
            if negated and kind in _DROPPED_WHEN_NEGATED:
                negated_hits.append(hit)
                value = 0.0
            else:
                hits.append(hit)
                value = hit.rule.weight * (rules.NEGATION_SCALAR if negated else 1.0)
            if value or explain:
                values.append(value)
                at.append(i)
                kinds.append(kind)
                sentence_of.append(sentence)
                spans.append((i, hit.end, f"{hit.rule.id} ({kind})" + (", negated" if negated else "")))
            if tok not in rules.CLAUSE_BREAKS:  # a rule on "?" marks the text and lets the break do its work
                for t in tokens[i:hit.end]:
                    if t in ("?", "!", "."):
                        sentence += 1
                last = tokens[hit.end - 1]
                # "still hasn't been paid out": a rule that ends on a negator negates what follows
                negate_left = rules.NEGATION_WINDOW if (last in negators or last.endswith("n't")) else 0
                weak = False
                boost = 0.0
                i = hit.end
                continue
        value: float | None = None  # type: ignore[no-redef]
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
                contrast_tokens.append(i)
                negate_left = 0
                boost = 0.0
                i += 1
                continue
            elif tok in rules.CLAUSE_BREAKS:
                if tok == "!":
                    exclaim += 1
                if negate_left > 0 and not weak:
                    values.append(rules.NEGATED_NEUTRAL)
                    at.append(i)
                    kinds.append("negation")
                    sentence_of.append(sentence)
                    spans.append((max(0, i - rules.NEGATION_WINDOW), i, "negation"))
                if tok == "?":
                    question_sentences.add(sentence)
                if tok in ("?", "!", "."):
                    sentence += 1
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
            at.append(i)
            kinds.append("")
            sentence_of.append(sentence)
            spans.append((i, i + width, "phrase" if width > 1 else "lexicon"))
            boost = 0.0
        elif negate_left > 0:
            negate_left -= 1
            if (negate_left == 0 or i + width >= n) and not weak:
                values.append(rules.NEGATED_NEUTRAL)  # "lukt niet", "doet niets": a problem without a mood word
                at.append(i)
                kinds.append("negation")
                sentence_of.append(sentence)
                spans.append((max(0, i - rules.NEGATION_WINDOW), i + width, "negation"))
        i += width
    notes: list[list[str]] = [[] for _ in values] if explain else []
    if hits:
        _reweigh(values, at, kinds, sentence_of, hits, contrast_tokens, notes)
    if question_sentences:
        for j, k in enumerate(kinds):
            if k in ("", "cancel") and sentence_of[j] in question_sentences:
                values[j] *= QUESTION_DAMPING
                if explain:
                    notes[j].append(f"in a question × {QUESTION_DAMPING}")
    if contrast_at >= 0:
        for j in range(len(values)):
            factor = rules.CONTRAST_BEFORE if j < contrast_at else rules.CONTRAST_AFTER
            values[j] *= factor
            if explain and values[j]:
                notes[j].append(f"{'before' if j < contrast_at else 'after'} a contrast word × {factor}")
    total = sum(values)
    if total and exclaim:
        total += math.copysign(0.3 * min(exclaim, 3), total)
    parts = None
    if explain:
        parts = [Part(" ".join(tokens[s:e]), src, round(v, 3), notes[j]) for j, ((s, e, src), v)
                 in enumerate(zip(spans, values, strict=True))]
        parts += [Part(" ".join(tokens[h.start:h.end]), f"{h.rule.id} ({h.rule.kind}), negated", 0.0,
                       ["negated: does not count"]) for h in negated_hits if h.rule.kind not in ("neutral",)]
        if total and exclaim:
            parts.append(Part("!" * exclaim, "exclamation", round(math.copysign(0.3 * min(exclaim, 3), total), 3)))
    return Scan(total, hits, parts)


def _reweigh(values: list[float], at: list[int], kinds: list[str], sentence_of: list[int], hits: list[Hit],
             contrast_tokens: list[int], notes: list[list[str]]) -> None:
    """Irony and loyalty, which depend on what else the text says (see :func:`scan`)."""
    hit_kinds = {h.rule.kind for h in hits}
    success = "success" in hit_kinds
    failures = [(h.start, j) for j, h in enumerate(hits) if h.rule.kind in _NEGATIVE_EVENTS]
    explicit = "irony" in hit_kinds and not success
    complaint = bool(failures) or "irony" in hit_kinds
    fail_sentences = {}
    if failures:
        for j, k in enumerate(kinds):
            if k in _NEGATIVE_EVENTS and at[j] not in fail_sentences:
                fail_sentences[at[j]] = sentence_of[j]
    for j, k in enumerate(kinds):
        v = values[j]
        if k == "" and v > 0:
            ironic = explicit
            if not ironic and not success:
                for pos, sent in fail_sentences.items():
                    if pos > at[j] and sent - sentence_of[j] <= 1 and not any(at[j] < c < pos for c in contrast_tokens):
                        ironic = True
                        break
            if ironic:
                values[j] = -v
                if notes:
                    notes[j].append("praise beside a service failure or irony marker: read as irony")
        elif k == "irony" and success:
            values[j] = 0.0
            if notes:
                notes[j].append("the message also praises a service event: not irony")
        elif k == "loyalty" and complaint:
            values[j] = -0.8 * abs(v)
            if notes:
                notes[j].append("a loyal customer who complains: disappointment")


def raw_valence(tokens: list[str], lex: Lexicon, ruleset: RuleSet | None = None) -> float:
    """The summed valence of a token list (VADER scale); see :func:`scan`."""
    return scan(tokens, lex, ruleset).total


def normalise(total: float) -> float:
    """Squash a summed valence onto -1..1."""
    return total / math.sqrt(total * total + _ALPHA) if total else 0.0


def intent_scores(hits: Iterable[Hit], score: float, band: float = NEUTRAL_BAND) -> tuple[str, dict[str, float]]:
    """The intent of a text and a 0..1 score per intent, from the rules that fired and the sentiment score.

    Each rule adds to the intents of its kind (:data:`~journeymap.voc.service.KIND_INTENTS`); a negative
    score adds to complaint and a positive one to praise. Sums are squashed with ``1 − e^(−x)``. Churn is
    the intent whenever it reaches :data:`INTENT_THRESHOLD` (it is the message a service team must not
    miss); otherwise the highest intent that reaches it, complaint first on a tie, else ``none``.
    """
    raw = dict.fromkeys(INTENTS, 0.0)
    for h in hits:
        for intent, w in KIND_INTENTS[h.rule.kind].items():
            raw[intent] += w
    if score <= -band:
        raw["complaint"] += 1.5 * -score
    elif score >= band:
        raw["praise"] += 1.5 * score
    scores = {k: round(1.0 - math.exp(-v), 3) for k, v in raw.items()}
    if scores["churn"] >= INTENT_THRESHOLD:
        return "churn", scores
    best = max(_TIE_ORDER, key=lambda k: scores[k])
    return (best if scores[best] >= INTENT_THRESHOLD else "none"), scores


class LexiconBackend:
    """The default, offline backend: lexicons, service rules and grammar rules (see the module docstring).

    ``rules`` are the service-language rules (default: the bundled ones; :func:`backend_for` adds a
    workspace's ``sentiment-rules.yaml``).
    """

    def __init__(self, neutral_band: float = NEUTRAL_BAND, rules: list[Rule] | None = None) -> None:
        self.neutral_band = neutral_band
        self.rules = list(rules) if rules is not None else bundled_rules()
        self._rulesets: dict[str, RuleSet] = {}

    def ruleset(self, language: str) -> RuleSet:
        """The compiled rules for one language (``unknown``: both languages' rules)."""
        key = language if language in ("nl", "en") else "unknown"
        found = self._rulesets.get(key)
        if found is None:
            found = self._rulesets[key] = RuleSet.build(key, self.rules)
        return found

    def score(self, text: str, language: str | None = None) -> Sentiment:
        """The sentiment and intent of one text; ``language`` (nl/en) skips detection."""
        lang = language or detect_language(text)
        result = scan(tokenize(text), get_lexicon(lang), self.ruleset(lang))
        value = normalise(result.total)
        intent, intents = intent_scores(result.hits, value, self.neutral_band)
        return Sentiment(label_for(value, self.neutral_band), round(value, 4), lang, intent, intents)

    def explain(self, text: str, language: str | None = None) -> Explanation:
        """Which words, phrases and rules decided the label of ``text``."""
        lang = language or detect_language(text)
        result = scan(tokenize(text), get_lexicon(lang), self.ruleset(lang), explain=True)
        value = normalise(result.total)
        intent, intents = intent_scores(result.hits, value, self.neutral_band)
        res = Sentiment(label_for(value, self.neutral_band), round(value, 4), lang, intent, intents)
        return Explanation(text, res, result.parts or [], sorted({f"{h.rule.id} ({h.rule.source})"
                                                                  for h in result.hits}), round(result.total, 3))

    def intents(self, text: str, language: str, score: float) -> tuple[str, dict[str, float]]:
        """The intent of ``text`` given a sentiment ``score`` from another backend (the rules still read it)."""
        result = scan(tokenize(text), get_lexicon(language), self.ruleset(language))
        return intent_scores(result.hits, score, self.neutral_band)

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
