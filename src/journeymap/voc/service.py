"""The service-language layer: what customers describe happening, read from a rules file, not from code.

Service messages mostly carry no mood word: "sinds vorige week niets gehoord", "the engineer
never turned up", "om 10 uur gebeld en om 2 uur stond de monteur op de stoep". This layer
recognises such *service events* and the phrases around them (irony markers, negated
expectations, loyalty, churn and cancel phrases, questions and requests) with word patterns
kept in a YAML file: ``voc/data/service_rules.yaml`` ships with journeymap and a workspace may
add its own ``sentiment-rules.yaml`` (same format; see docs/sentiment.md).

Phases: YAML with line marks → validated :class:`Rule` objects (every problem is a
``file:line`` message listing the valid values) → :class:`RuleSet`, an index from first words
to compiled patterns that the scorer (:mod:`journeymap.voc.sentiment`) asks at every token.

Pattern syntax, one pattern per string, words separated by spaces:

* ``word`` a word as :func:`~journeymap.voc.lexicon.tokenize` writes it (lower case; ``didn't``,
  ``e-mail`` are one word; ``?`` and ``,`` are words too);
* ``a|b|c`` any one of these words; ``terugbetaal*`` any word that starts with ``terugbetaal``;
* ``_`` any one word; ``#`` a number (``3``, ``drie``, ``three``);
* ``...`` a gap of up to :data:`GAP` words that does not cross the end of a sentence.

A pattern must start with a word or ``#`` (not ``_`` or ``...``) and may not end with a gap.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from journeymap.errors import JourneymapError, suggest
from journeymap.voc.lexicon import LANGUAGES, tokenize

#: What a rule says about a message. The default weight is on the lexicon's scale (VADER's −4..4).
KINDS: dict[str, float] = {
    "failure": -2.2,      # a service event that went wrong: waiting, a no-show, money not returned, …
    "expectation": -1.8,  # a negated expectation: "zou binnen 3 dagen", "was supposed to"
    "irony": -1.2,        # an irony marker ("ja hoor", 🙄): praise words around it count as complaints
    "success": 2.2,       # a service event that went well: speed, a heads-up, more than promised
    "loyalty": 1.2,       # years of loyalty: praise, unless the message complains (then it adds weight)
    "churn": -2.2,        # leaving: "ik stap over", "switching providers", "never again"
    "cancel": -0.6,       # a cancellation as such ("zeg mijn polis op per 1 juli"): churn intent, mild
    "question": 0.0,      # a question about the service
    "request": 0.0,       # a request ("graag", "could you")
    "neutral": 0.0,       # a phrase that is neutral in service talk, shielding its words from the lexicon
}
#: Which intent each kind of rule supports, and how much (a sum per intent, squashed to 0..1).
KIND_INTENTS: dict[str, dict[str, float]] = {
    "failure": {"complaint": 1.2},
    "expectation": {"complaint": 1.0},
    "irony": {"complaint": 1.0},
    "success": {"praise": 1.2},
    "loyalty": {"praise": 0.6},
    "churn": {"churn": 2.0, "complaint": 0.5},
    "cancel": {"churn": 2.0},
    "question": {"question": 1.2},
    "request": {"request": 1.2},
    "neutral": {},
}
INTENTS: tuple[str, ...] = ("complaint", "question", "praise", "churn", "request")
#: The longest gap ``...`` stands for, in words.
GAP = 4
#: Sentence ends: a gap never crosses them.
SENTENCE_ENDS = frozenset({".", "!", "?"})
NUMBER_WORDS = frozenset({
    "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "elf", "twaalf", "vijftien",
    "twintig", "dertig", "veertig", "vijftig", "honderd", "anderhalf", "paar",
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "fifteen",
    "twenty", "thirty", "forty", "fifty", "hundred", "couple", "few",
})
RULES_FILE = "sentiment-rules.yaml"
_RULE_KEYS = ("kind", "weight", "patterns", "replace", "enabled", "note")

# one pattern element: (what, words, prefixes); what is "w" (words/prefixes), "_" (any), "#" (number), "..." (gap)
Element = tuple[str, frozenset[str], tuple[str, ...]]


@dataclass(frozen=True)
class Rule:
    """One named rule of one language: its kind, weight and patterns, and where it was written."""

    language: str
    name: str
    kind: str
    weight: float
    patterns: tuple[str, ...]
    source: str  # file:line of the rule's name
    mode: str = "add"  # in a workspace file: add (to a bundled rule of the same name), replace or off

    @property
    def id(self) -> str:
        return f"{self.language}.{self.name}"


@dataclass(frozen=True)
class Pattern:
    rule: Rule
    text: str
    elements: tuple[Element, ...]


@dataclass(frozen=True)
class Hit:
    """A rule that matched tokens ``start`` up to (not including) ``end``."""

    rule: Rule
    pattern: str
    start: int
    end: int


@dataclass
class RuleSet:
    """The compiled rules of one language, indexed by the first word of each pattern."""

    language: str
    rules: list[Rule]
    by_word: dict[str, list[Pattern]] = field(default_factory=dict)
    by_prefix: dict[str, list[Pattern]] = field(default_factory=dict)
    by_number: list[Pattern] = field(default_factory=list)  # patterns that start with '#'
    prefix_lengths: tuple[int, ...] = ()

    @classmethod
    def build(cls, language: str, rules: Iterable[Rule]) -> RuleSet:
        kept = [r for r in rules if language == "unknown" or r.language == language]
        out = cls(language, kept)
        for rule in kept:
            for text in rule.patterns:
                pattern = Pattern(rule, text, parse_pattern(text))
                what, words, prefixes = pattern.elements[0]
                if what == "#":
                    out.by_number.append(pattern)
                for w in words:
                    out.by_word.setdefault(w, []).append(pattern)
                for p in prefixes:
                    out.by_prefix.setdefault(p, []).append(pattern)
        for entries in [*out.by_word.values(), *out.by_prefix.values(), out.by_number]:
            entries.sort(key=lambda p: -len(p.elements))  # longer patterns first
        out.prefix_lengths = tuple(sorted({len(p) for p in out.by_prefix}))
        return out

    def match_at(self, tokens: list[str], i: int) -> Hit | None:
        """The longest pattern that matches at token ``i``, or None."""
        tok = tokens[i]
        candidates = self.by_word.get(tok)
        if self.prefix_lengths:
            for k in self.prefix_lengths:
                if k > len(tok):
                    break
                more = self.by_prefix.get(tok[:k])
                if more:
                    candidates = (candidates or []) + more
        if self.by_number and (tok.isdigit() or tok in NUMBER_WORDS):
            candidates = (candidates or []) + self.by_number
        if not candidates:
            return None
        best: Hit | None = None
        for pattern in candidates:
            end = _match(pattern.elements, 1, tokens, i + 1)
            if end >= 0 and (best is None or end > best.end):
                best = Hit(pattern.rule, pattern.text, i, end)
        return best


def _element_matches(element: Element, tok: str) -> bool:
    what, words, prefixes = element
    if what == "_":
        return tok not in SENTENCE_ENDS
    if what == "#":
        return tok.isdigit() or tok in NUMBER_WORDS
    return tok in words or any(tok.startswith(p) for p in prefixes)


def _match(elements: tuple[Element, ...], k: int, tokens: list[str], i: int) -> int:
    """The end index of a match of ``elements[k:]`` starting at token ``i``, or -1."""
    n = len(tokens)
    while k < len(elements):
        element = elements[k]
        if element[0] == "...":
            for gap in range(GAP + 1):
                if gap and (i + gap - 1 >= n or tokens[i + gap - 1] in SENTENCE_ENDS):
                    break
                end = _match(elements, k + 1, tokens, i + gap)
                if end >= 0:
                    return end
            return -1
        if i >= n or not _element_matches(element, tokens[i]):
            return -1
        k += 1
        i += 1
    return i


class PatternError(ValueError):
    """A pattern that cannot be compiled; the message says why."""


def parse_pattern(text: str) -> tuple[Element, ...]:
    """Compile a pattern string (syntax in the module docstring)."""
    parts = text.split()
    if not parts:
        raise PatternError("empty pattern")
    elements: list[Element] = []
    for part in parts:
        if part == "...":
            if elements and elements[-1][0] == "...":
                raise PatternError("two gaps '...' in a row")
            elements.append(("...", frozenset(), ()))
            continue
        if part in ("_", "#"):
            elements.append((part, frozenset(), ()))
            continue
        words: set[str] = set()
        prefixes: list[str] = []
        for alt in part.split("|"):
            prefix = alt.endswith("*") and len(alt) > 1
            body = alt[:-1] if prefix else alt
            toks = tokenize(body)
            if len(toks) != 1 or (prefix and not toks[0][0].isalnum()):
                if not body:
                    raise PatternError(f"empty alternative in {part!r}")
                raise PatternError(f"{alt!r} is not one word as journeymap reads text ({toks or 'no word'}); "
                                   "write each word separately, separated by spaces")
            (prefixes.append(toks[0]) if prefix else words.add(toks[0]))
        elements.append(("w", frozenset(words), tuple(prefixes)))
    if elements[0][0] not in ("w", "#"):
        raise PatternError("a pattern must start with a word or '#', not with '_' or '...'")
    if elements[-1][0] == "...":
        raise PatternError("a pattern may not end with a gap '...'")
    return tuple(elements)


# ---- reading and validating rule files -------------------------------------------------------------------


def _position(doc: Any, loc: tuple[Any, ...]) -> int:
    from journeymap.model.yamlio import position

    return position(doc, loc)[0]


def parse_rules(text: str, filename: str) -> list[Rule]:
    """Rules from the text of a rules file; every problem is a :class:`JourneymapError` naming file and line."""
    from journeymap.model.yamlio import YamlSyntaxError, load_text

    try:
        doc = load_text(text, filename)
    except YamlSyntaxError as exc:
        raise JourneymapError(str(exc)) from exc
    if doc is None:
        return []
    if not isinstance(doc, dict):
        raise JourneymapError(f"{filename}:1: a rules file is a mapping of languages ({', '.join(LANGUAGES)}) "
                              "to named rules")
    rules: list[Rule] = []
    for lang, named in doc.items():
        where = f"{filename}:{_position(doc, (lang,))}"
        if lang not in LANGUAGES:
            raise JourneymapError(f"{where}: unknown language {lang!r}; {suggest(str(lang), LANGUAGES)}")
        if not isinstance(named, dict):
            raise JourneymapError(f"{where}: under {lang!r} come named rules (name: {{kind: …, patterns: […]}})")
        for name, body in named.items():
            rules.append(_parse_rule(doc, filename, str(lang), str(name), body))
    return rules


def _parse_rule(doc: Any, filename: str, lang: str, name: str, body: Any) -> Rule:
    line = _position(doc, (lang, name))
    where = f"{filename}:{line}"
    rid = f"{lang}.{name}"
    if not isinstance(body, dict):
        raise JourneymapError(f"{where}: rule {rid} must be a mapping with kind and patterns")
    for key in body:
        if key not in _RULE_KEYS:
            raise JourneymapError(f"{filename}:{_position(doc, (lang, name, key))}: unknown key {key!r} in rule "
                                  f"{rid}; {suggest(str(key), _RULE_KEYS)}")
    kind = body.get("kind")
    if kind is None and body.get("enabled", True) is False:
        kind = "neutral"  # switching a rule off needs no kind
    if kind is None:
        raise JourneymapError(f"{where}: rule {rid} has no kind; expected one of: {', '.join(KINDS)}")
    if kind not in KINDS:
        raise JourneymapError(f"{filename}:{_position(doc, (lang, name, 'kind'))}: unknown kind {kind!r} in rule "
                              f"{rid}; {suggest(str(kind), KINDS)}")
    weight = body.get("weight", KINDS[kind])
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not -4 <= weight <= 4:
        raise JourneymapError(f"{filename}:{_position(doc, (lang, name, 'weight'))}: weight of rule {rid} must be "
                              f"a number from -4 to 4 (the lexicon's scale), not {weight!r}")
    for flag in ("replace", "enabled"):
        if flag in body and not isinstance(body[flag], bool):
            raise JourneymapError(f"{filename}:{_position(doc, (lang, name, flag))}: {flag} of rule {rid} must be "
                                  "true or false")
    patterns = body.get("patterns", [])
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise JourneymapError(f"{filename}:{_position(doc, (lang, name, 'patterns'))}: patterns of rule {rid} must "
                              "be a list of strings")
    seen: set[str] = set()
    for i, p in enumerate(patterns):
        try:
            parse_pattern(p)
        except PatternError as exc:
            raise JourneymapError(f"{filename}:{_position(doc, (lang, name, 'patterns', i))}: pattern {p!r} of "
                                  f"rule {rid}: {exc}") from None
        if p in seen:
            raise JourneymapError(f"{filename}:{_position(doc, (lang, name, 'patterns', i))}: pattern {p!r} "
                                  f"appears twice in rule {rid}")
        seen.add(p)
    if not patterns and body.get("enabled", True):
        raise JourneymapError(f"{where}: rule {rid} has no patterns")
    mode = "off" if body.get("enabled", True) is False else "replace" if body.get("replace") else "add"
    return Rule(lang, name, str(kind), float(weight), tuple(patterns), where, mode)


def merge(base: list[Rule], extra: list[Rule]) -> list[Rule]:
    """Workspace rules on top of the bundled ones: a new name adds a rule; a known name adds its patterns
    (and its kind and weight win), ``replace: true`` replaces it, ``enabled: false`` switches it off."""
    out = {r.id: r for r in base}
    for r in extra:
        old = out.get(r.id)
        if r.mode == "off":
            out.pop(r.id, None)
        elif r.mode == "replace" or old is None:
            out[r.id] = Rule(r.language, r.name, r.kind, r.weight, r.patterns, r.source)
        else:
            patterns = old.patterns + tuple(p for p in r.patterns if p not in old.patterns)
            out[r.id] = Rule(r.language, r.name, r.kind, r.weight, patterns, r.source)
    return list(out.values())


def bundled_rules_text() -> str:
    return resources.files("journeymap.voc").joinpath("data/service_rules.yaml").read_text(encoding="utf-8")


_LOCK = threading.Lock()
_BUNDLED: list[Rule] | None = None


def bundled_rules() -> list[Rule]:
    """The rules shipped with journeymap (parsed once per process)."""
    global _BUNDLED
    with _LOCK:
        if _BUNDLED is None:
            _BUNDLED = parse_rules(bundled_rules_text(), "journeymap/voc/data/service_rules.yaml")
        return _BUNDLED


def read_rules_file(path: Path, display: str | None = None) -> list[Rule]:
    """The rules of one file (a workspace's ``sentiment-rules.yaml`` or ``--rules FILE``)."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise JourneymapError(f"no rules file at {name}") from exc
    except IsADirectoryError as exc:
        raise JourneymapError(f"{name} is a folder; give a rules file ({RULES_FILE})") from exc
    except UnicodeDecodeError as exc:
        raise JourneymapError(f"{name}: not UTF-8 text ({exc.reason})") from exc
    return parse_rules(text, name)


def rules_for(paths: Iterable[Path] = ()) -> list[Rule]:
    """The bundled rules with each given file's rules merged on top, in order."""
    rules = bundled_rules()
    for p in paths:
        rules = merge(rules, read_rules_file(p))
    return rules


def workspace_rules_file(root: Path) -> Path | None:
    """The workspace's own rules file, when it has one."""
    path = root / RULES_FILE
    return path if path.is_file() else None
