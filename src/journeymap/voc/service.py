"""The service-language layer: what customers describe happening, read from a rules file, not from code.

Service messages mostly carry no mood word: "sinds vorige week niets gehoord", "the engineer
never turned up", "om 9 uur gemeld, om 12 uur stond de monteur al voor de deur". This layer
recognises such *service events* and the phrases around them (irony markers, negated
expectations, loyalty, churn and cancel phrases, questions and requests) with word patterns
kept in a YAML file: ``voc/data/service_rules.yaml`` ships with journeymap and a workspace may
add its own ``sentiment-rules.yaml`` (same format; docs/sentiment.md describes it).

Phases: YAML with line marks → :class:`RulesFile` (every problem is a ``file:line`` message
naming the key and listing the valid values) → :class:`ServiceRules`, the bundled rules with
a workspace's file merged on top and every pattern's word classes resolved → one
:class:`RuleSet` per language, an index from first words to compiled patterns that the scorer
(:mod:`journeymap.voc.sentiment`) asks at every token.

Pattern syntax, one pattern per string, elements separated by spaces:

* ``word`` a word as :func:`~journeymap.voc.lexicon.tokenize` writes it (lower case; ``didn't``,
  ``e-mail`` are one word; ``?`` and ``,`` are words too);
* ``a|b|c`` any one of these; ``terugbetaal*`` any word that starts with ``terugbetaal``;
* ``@name`` any word of the word class ``name`` (``words:`` in the same language), also inside
  an alternative (``@duur|jaar``);
* ``_`` any one word; ``!a|b`` any one word but these (``zou !u|jullie … komen``);
* ``#`` a number (``3``, ``drie``, ``three``, ``een``, ``a``), also as an alternative (``@weekday|#``);
* ``...`` a gap of up to :data:`GAP` words that crosses neither the end of a sentence nor a negation
  ("belde ... terug" does not read "belde niet terug").

A pattern must start with a word, a class or ``#`` (not ``_``, ``!…`` or ``...``) and may not end
with a gap.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
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
    "concern": -0.8,      # a mild complaint alone, a complaint beside others: "verhoogd", "gone up"
    "churn": -2.2,        # leaving: "ik stap over", "switching providers", "never again"
    "cancel": -1.2,       # a cancellation as such ("ik zeg mijn abonnement op"): churn intent
    "reproach": 0.0,      # a why-question: a failure in it counts in full ("waarom duurt het zo lang?")
    "question": 0.0,      # a question about the service
    "request": 0.0,       # a request ("graag", "could you")
    "condition": 0.0,     # an if-clause: a success after it in its sentence is hypothetical
    "notice": 0.0,        # a date or an outside reason: churn and cancel beside it are an administrative notice
    "neutral": 0.0,       # a phrase that is neutral in service talk, shielding its words from the lexicon
}
#: The longest gap ``...`` stands for, in words.
GAP = 4
#: Sentence ends: a gap never crosses them.
SENTENCE_ENDS = frozenset({".", "!", "?"})
#: Negations: a gap never crosses them either (write them into the pattern where they belong).
GAP_STOPS = SENTENCE_ENDS | {"niet", "geen", "nooit", "not", "no", "never", "cannot"}
NUMBER_WORDS = frozenset({
    "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "elf", "twaalf", "vijftien",
    "twintig", "dertig", "veertig", "vijftig", "honderd", "anderhalf", "anderhalve", "paar", "enkele", "meerdere",
    "a", "an", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "fifteen", "twenty", "thirty", "forty", "fifty", "hundred", "couple", "few", "several",
})
RULES_FILE = "sentiment-rules.yaml"
BUNDLED_NAME = "journeymap/voc/data/service_rules.yaml"
_LANGUAGE_KEYS = ("words", "rules")
_RULE_KEYS = ("kind", "weight", "patterns", "replace", "enabled", "note")

_NUMBER = "#"
NUMBER_KEY = _NUMBER  # the index key of patterns that start with a number
# one pattern element: (what, words, prefixes); what is "w" (words/prefixes), "!" (any word but these),
# "_" (any word), "#" (number), "..." (gap)
Element = tuple[str, frozenset[str], tuple[str, ...]]


@dataclass(frozen=True)
class Rule:
    """One named rule of one language: its kind, weight and patterns, and where each was written."""

    language: str
    name: str
    kind: str
    weight: float
    patterns: tuple[str, ...]
    source: str  # file:line of the rule's name
    pattern_sources: tuple[str, ...] = ()  # file:line of each pattern
    mode: str = "add"  # in a workspace file: add (to a bundled rule of the same name), replace or off
    note: str = ""

    @property
    def id(self) -> str:
        return f"{self.language}.{self.name}"


@dataclass(frozen=True)
class WordClass:
    """A named list of words (``@name`` in patterns) and where it was written."""

    name: str
    words: tuple[str, ...]
    source: str


@dataclass
class RulesFile:
    """What one rules file says: rules, and word classes per language."""

    rules: list[Rule] = field(default_factory=list)
    words: dict[str, dict[str, WordClass]] = field(default_factory=dict)


@dataclass(frozen=True)
class Pattern:
    rule: Rule
    text: str
    elements: tuple[Element, ...]
    #: The words of one later element that a text must contain for the pattern to match (empty: no such
    #: element): a cheap test before walking the pattern.
    needs: frozenset[str] = frozenset()

    @classmethod
    def compile(cls, rule: Rule, text: str, words: dict[str, WordClass]) -> Pattern:
        elements = parse_pattern(text, words)
        plain = [e[1] for e in elements[1:] if e[0] == "w" and not e[2] and _NUMBER not in e[1]]
        return cls(rule, text, elements, min(plain, key=len) if plain else frozenset())


@dataclass(frozen=True)
class Hit:
    """A rule that matched tokens ``start`` up to (not including) ``end``."""

    rule: Rule
    pattern: str
    start: int
    end: int


class PatternError(ValueError):
    """A pattern that cannot be compiled; the message says why."""


def parse_pattern(text: str, words: dict[str, WordClass] | None = None) -> tuple[Element, ...]:
    """Compile a pattern string (syntax in the module docstring); ``words`` resolves ``@name``.

    Without ``words`` a class reference is only checked for its form (a file read alone does not
    know the classes of the files it will be merged with).
    """
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
        what = "!" if part.startswith("!") and len(part) > 1 else "w"
        found: set[str] = set()
        prefixes: list[str] = []
        for alt in (part[1:] if what == "!" else part).split("|"):
            if alt.startswith("@"):
                name = alt[1:]
                if not name:
                    raise PatternError(f"'@' without a class name in {part!r}")
                if words is not None:
                    if name not in words:
                        raise PatternError(f"unknown word class '@{name}'; {suggest(name, words)}")
                    for w in words[name].words:
                        _add_word(w, found, prefixes)
                continue
            if not alt:
                raise PatternError(f"empty alternative in {part!r}")
            if alt == _NUMBER:  # a number among the alternatives: "by @weekday|#"
                found.add(_NUMBER)
                continue
            _add_word(alt, found, prefixes)
        elements.append((what, frozenset(found), tuple(prefixes)))
    if elements[0][0] not in ("w", "#"):
        raise PatternError("a pattern must start with a word, a class or '#', not with '_', '!…' or '...'")
    if elements[-1][0] == "...":
        raise PatternError("a pattern may not end with a gap '...'")
    return tuple(elements)


def _add_word(alt: str, found: set[str], prefixes: list[str]) -> None:
    prefix = alt.endswith("*") and len(alt) > 1
    body = alt[:-1] if prefix else alt
    toks = tokenize(body)
    if len(toks) != 1 or (prefix and not toks[0][0].isalnum()):
        raise PatternError(f"{alt!r} is not one word as journeymap reads text ({toks or 'no word'}); "
                           "write each word separately, separated by spaces")
    (prefixes.append(toks[0]) if prefix else found.add(toks[0]))


def _element_matches(element: Element, tok: str) -> bool:
    what, words, prefixes = element
    if what == "_":
        return tok not in SENTENCE_ENDS
    if what == "#":
        return tok.isdigit() or tok in NUMBER_WORDS
    hit = tok in words or any(tok.startswith(p) for p in prefixes) or (
        _NUMBER in words and (tok.isdigit() or tok in NUMBER_WORDS))
    if what == "!":
        return tok not in SENTENCE_ENDS and not hit
    return hit


def _match(elements: tuple[Element, ...], k: int, tokens: list[str], i: int) -> int:
    """The end index of a match of ``elements[k:]`` starting at token ``i``, or -1.

    The common case, a plain word list, is tested inline: this runs for every candidate pattern.
    """
    n = len(tokens)
    m = len(elements)
    while k < m:
        element = elements[k]
        what = element[0]
        if what == "...":
            for gap in range(GAP + 1):
                if gap:
                    if i + gap - 1 >= n:
                        break
                    stop = tokens[i + gap - 1]
                    if stop in GAP_STOPS or stop.endswith("n't"):
                        break
                end = _match(elements, k + 1, tokens, i + gap)
                if end >= 0:
                    return end
            return -1
        if i >= n:
            return -1
        tok = tokens[i]
        if what == "w" and not element[2] and tok in element[1]:
            pass  # a plain word list that holds the token
        elif not _element_matches(element, tok):
            return -1
        k += 1
        i += 1
    return i


START_NONE, START_PAIR, START_WORD, START_NUMBER = 0, 1, 2, 3


@dataclass
class RuleSet:
    """The compiled rules of one language, indexed for speed (the scorer asks at every token).

    A pattern whose second element is a plain word list is indexed by its first two words
    (``by_pair``), so that most tokens are rejected by one dictionary look-up; the others are
    indexed by their first word (``by_word``), first-word prefix (``by_prefix``) or as starting
    with a number (the key ``#``).
    """

    language: str
    rules: list[Rule]
    by_word: dict[str, list[Pattern]] = field(default_factory=dict)
    by_pair: dict[tuple[str, str], list[Pattern]] = field(default_factory=dict)
    by_prefix: dict[str, list[Pattern]] = field(default_factory=dict)
    prefix_lengths: tuple[int, ...] = ()
    starts_cache: dict[str, int] = field(default_factory=dict, repr=False)  # token → START_* (see starts)
    _pair_firsts: frozenset[str] = field(default=frozenset(), repr=False)

    @classmethod
    def build(cls, language: str, rules: Iterable[Rule], words: dict[str, dict[str, WordClass]]) -> RuleSet:
        """Compile the rules of ``language`` (``unknown``: of both languages, each with its own classes)."""
        kept = [r for r in rules if language == "unknown" or r.language == language]
        out = cls(language, kept)
        for rule in kept:
            for text in rule.patterns:
                pattern = Pattern.compile(rule, text, words.get(rule.language, {}))
                what, first_words, prefixes = pattern.elements[0]
                firsts = [_NUMBER] if what == "#" else list(first_words)
                second = pattern.elements[1] if len(pattern.elements) > 1 else None
                pairable = second is not None and second[0] == "w" and not second[2] and _NUMBER not in second[1]
                for w in firsts:
                    if pairable and second is not None:
                        for w2 in second[1]:
                            out.by_pair.setdefault((w, w2), []).append(pattern)
                    else:
                        out.by_word.setdefault(w, []).append(pattern)
                for pre in prefixes:
                    out.by_prefix.setdefault(pre, []).append(pattern)
        for entries in [*out.by_word.values(), *out.by_pair.values(), *out.by_prefix.values()]:
            entries.sort(key=lambda p: -len(p.elements))  # longer patterns first
        out.prefix_lengths = tuple(sorted({len(p) for p in out.by_prefix}))
        return out

    def starts(self, tok: str) -> int:
        """Whether a pattern can start at ``tok``: :data:`START_NONE`, :data:`START_WORD` (a pattern indexed by
        this word alone or by a prefix), :data:`START_PAIR` (only with the right next word) or :data:`START_NUMBER`
        (a number: ask with the next word). Remembered per token, as most tokens start nothing."""
        if not self._pair_firsts and self.by_pair:
            self._pair_firsts = frozenset(w for w, _ in self.by_pair)
        found = self.starts_cache.get(tok)
        if found is None:
            if tok in self.by_word or any(tok[:k] in self.by_prefix for k in self.prefix_lengths):
                found = START_WORD
            elif tok.isdigit() or tok in NUMBER_WORDS:
                found = START_WORD if _NUMBER in self.by_word else START_NUMBER
            else:
                found = START_PAIR if tok in self._pair_firsts else START_NONE
            if len(self.starts_cache) < 500_000:
                self.starts_cache[tok] = found
        return found

    def may_match(self, tokens: list[str], i: int) -> bool:
        """A cheap test before :meth:`match_at`: can any pattern match at token ``i``?"""
        how = self.starts(tokens[i])
        if how == START_NONE:
            return False
        if how == START_WORD:
            return True
        if i + 1 >= len(tokens):
            return False
        pair = (tokens[i], tokens[i + 1])
        return pair in self.by_pair or (how == START_NUMBER and (_NUMBER, pair[1]) in self.by_pair)

    def match_at(self, tokens: list[str], i: int, present: set[str] | None = None) -> Hit | None:
        """The longest pattern that matches at token ``i``, or None (the first written wins a tie).

        ``present``: the text's tokens as a set, when the caller has it (skips patterns that need a
        word the text does not have).
        """
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        firsts = (tok, _NUMBER) if tok.isdigit() or tok in NUMBER_WORDS else (tok,)
        best_end, best = -1, None
        for first in firsts:
            if nxt is not None:
                pairs = self.by_pair.get((first, nxt))
                if pairs:
                    for pattern in pairs:
                        if present is None or not pattern.needs or not pattern.needs.isdisjoint(present):
                            end = _match(pattern.elements, 2, tokens, i + 2)
                            if end > best_end:
                                best_end, best = end, pattern
            singles = self.by_word.get(first)
            if singles:
                for pattern in singles:
                    if present is None or not pattern.needs or not pattern.needs.isdisjoint(present):
                        end = _match(pattern.elements, 1, tokens, i + 1)
                        if end > best_end:
                            best_end, best = end, pattern
        for k in self.prefix_lengths:
            if k > len(tok):
                break
            for pattern in self.by_prefix.get(tok[:k], ()):
                if present is None or not pattern.needs or not pattern.needs.isdisjoint(present):
                    end = _match(pattern.elements, 1, tokens, i + 1)
                    if end > best_end:
                        best_end, best = end, pattern
        return None if best is None else Hit(best.rule, best.text, i, best_end)


# ---- reading and validating rule files -------------------------------------------------------------------


def _line(doc: Any, loc: tuple[Any, ...]) -> int:
    from journeymap.model.yamlio import position

    return position(doc, loc)[0]


def parse_rules(text: str, filename: str) -> RulesFile:
    """The rules and word classes of a rules file's text; every problem names the file and line."""
    from journeymap.model.yamlio import YamlSyntaxError, load_text

    try:
        doc = load_text(text, filename)
    except YamlSyntaxError as exc:
        raise JourneymapError(str(exc)) from exc
    out = RulesFile()
    if doc is None:
        return out
    if not isinstance(doc, dict):
        raise JourneymapError(f"{filename}:1: a rules file maps languages ({', '.join(LANGUAGES)}) to "
                              "'words' (word classes) and 'rules' (named rules)")
    for lang, body in doc.items():
        where = f"{filename}:{_line(doc, (lang,))}"
        if lang not in LANGUAGES:
            raise JourneymapError(f"{where}: unknown language {lang!r}; {suggest(str(lang), LANGUAGES)}")
        if body is None:
            continue
        if not isinstance(body, dict):
            raise JourneymapError(f"{where}: under {lang!r} come 'words' and 'rules' (mappings)")
        for key in body:
            if key not in _LANGUAGE_KEYS:
                raise JourneymapError(f"{filename}:{_line(doc, (lang, key))}: unknown key {key!r} under {lang!r}; "
                                      f"{suggest(str(key), _LANGUAGE_KEYS)}")
        out.words[str(lang)] = _parse_words(doc, filename, str(lang), body.get("words"))
        named = body.get("rules")
        if named is None:
            continue
        if not isinstance(named, dict):
            raise JourneymapError(f"{filename}:{_line(doc, (lang, 'rules'))}: {lang}.rules must map rule names "
                                  "to {kind: …, patterns: […]}")
        for name, rule in named.items():
            out.rules.append(_parse_rule(doc, filename, str(lang), str(name), rule))
    return out


def _parse_words(doc: Any, filename: str, lang: str, node: Any) -> dict[str, WordClass]:
    if node is None:
        return {}
    if not isinstance(node, dict):
        raise JourneymapError(f"{filename}:{_line(doc, (lang, 'words'))}: {lang}.words must map class names to "
                              "lists of words")
    out: dict[str, WordClass] = {}
    for name, items in node.items():
        where = f"{filename}:{_line(doc, (lang, 'words', name))}"
        if not isinstance(items, list) or not items or not all(isinstance(w, str) for w in items):
            raise JourneymapError(f"{where}: word class {lang}.words.{name} must be a non-empty list of words")
        for i, w in enumerate(items):
            try:
                _add_word(w, set(), [])
            except PatternError as exc:
                raise JourneymapError(f"{filename}:{_line(doc, (lang, 'words', name, i))}: word class "
                                      f"{lang}.words.{name}: {exc}") from None
        out[str(name)] = WordClass(str(name), tuple(items), where)
    return out


def _parse_rule(doc: Any, filename: str, lang: str, name: str, body: Any) -> Rule:  # noqa: C901
    loc = (lang, "rules", name)
    where = f"{filename}:{_line(doc, loc)}"
    rid = f"{lang}.{name}"
    if not isinstance(body, dict):
        raise JourneymapError(f"{where}: rule {rid} must be a mapping with kind and patterns")
    for key in body:
        if key not in _RULE_KEYS:
            raise JourneymapError(f"{filename}:{_line(doc, (*loc, key))}: unknown key {key!r} in rule {rid}; "
                                  f"{suggest(str(key), _RULE_KEYS)}")
    for flag in ("replace", "enabled"):
        if flag in body and not isinstance(body[flag], bool):
            raise JourneymapError(f"{filename}:{_line(doc, (*loc, flag))}: {flag} of rule {rid} must be true or "
                                  f"false, not {body[flag]!r}")
    enabled = body.get("enabled", True)
    kind = body.get("kind")
    if kind is None and not enabled:
        kind = "neutral"  # switching a rule off needs no kind
    if kind is None:
        raise JourneymapError(f"{where}: rule {rid} has no kind; expected one of: {', '.join(KINDS)}")
    if kind not in KINDS:
        raise JourneymapError(f"{filename}:{_line(doc, (*loc, 'kind'))}: unknown kind {kind!r} in rule {rid}; "
                              f"{suggest(str(kind), KINDS)}")
    weight = body.get("weight", KINDS[kind])
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not -4 <= weight <= 4:
        raise JourneymapError(f"{filename}:{_line(doc, (*loc, 'weight'))}: weight of rule {rid} must be a number "
                              f"from -4 to 4 (the lexicon's scale), not {weight!r}")
    patterns = body.get("patterns", [])
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise JourneymapError(f"{filename}:{_line(doc, (*loc, 'patterns'))}: patterns of rule {rid} must be a "
                              "list of strings")
    seen: set[str] = set()
    sources: list[str] = []
    for i, p in enumerate(patterns):
        at = f"{filename}:{_line(doc, (*loc, 'patterns', i))}"
        try:
            parse_pattern(p)
        except PatternError as exc:
            raise JourneymapError(f"{at}: pattern {p!r} of rule {rid}: {exc}") from None
        if p in seen:
            raise JourneymapError(f"{at}: pattern {p!r} appears twice in rule {rid}")
        seen.add(p)
        sources.append(at)
    if not patterns and enabled:
        raise JourneymapError(f"{where}: rule {rid} has no patterns")
    mode = "off" if not enabled else "replace" if body.get("replace") else "add"
    return Rule(lang, name, str(kind), float(weight), tuple(patterns), where, tuple(sources), mode,
                str(body.get("note") or ""))


@dataclass
class ServiceRules:
    """Rules and word classes ready to compile: the bundled file with any workspace files merged on top."""

    rules: list[Rule]
    words: dict[str, dict[str, WordClass]]

    def merged(self, extra: RulesFile) -> ServiceRules:
        """``extra`` on top: a new rule name adds a rule; a known name adds its patterns (its kind and weight
        win), ``replace: true`` replaces it, ``enabled: false`` switches it off. A known word class gets the
        new words. Every pattern is then checked against the classes, so an error names its file and line."""
        out = {r.id: r for r in self.rules}
        for r in extra.rules:
            old = out.get(r.id)
            if r.mode == "off":
                out.pop(r.id, None)
            elif r.mode == "replace" or old is None:
                out[r.id] = replace(r, mode="add")
            else:
                keep = [(p, s) for p, s in zip(r.patterns, r.pattern_sources, strict=True) if p not in old.patterns]
                out[r.id] = replace(r, mode="add", patterns=old.patterns + tuple(p for p, _ in keep),
                                    pattern_sources=old.pattern_sources + tuple(s for _, s in keep))
        words = {lang: dict(classes) for lang, classes in self.words.items()}
        for lang, classes in extra.words.items():
            mine = words.setdefault(lang, {})
            for name, wc in classes.items():
                old_wc = mine.get(name)
                items = wc.words if old_wc is None else old_wc.words + tuple(w for w in wc.words
                                                                             if w not in old_wc.words)
                mine[name] = WordClass(name, items, wc.source)
        result = ServiceRules(list(out.values()), words)
        result.check()
        return result

    def check(self) -> None:
        """Compile every pattern with its language's word classes; an unknown class names the pattern's line."""
        for r in self.rules:
            for p, at in zip(r.patterns, r.pattern_sources or (r.source,) * len(r.patterns), strict=True):
                try:
                    parse_pattern(p, self.words.get(r.language, {}))
                except PatternError as exc:
                    raise JourneymapError(f"{at}: pattern {p!r} of rule {r.id}: {exc}") from None

    def ruleset(self, language: str) -> RuleSet:
        return RuleSet.build(language, self.rules, self.words)


def bundled_rules_text() -> str:
    return resources.files("journeymap.voc").joinpath("data/service_rules.yaml").read_text(encoding="utf-8")


_LOCK = threading.Lock()
_BUNDLED: ServiceRules | None = None


def bundled_rules() -> ServiceRules:
    """The rules shipped with journeymap (parsed and checked once per process)."""
    global _BUNDLED
    with _LOCK:
        if _BUNDLED is None:
            parsed = parse_rules(bundled_rules_text(), BUNDLED_NAME)
            _BUNDLED = ServiceRules(parsed.rules, parsed.words)
            _BUNDLED.check()
        return _BUNDLED


def read_rules_file(path: Path, display: str | None = None) -> RulesFile:
    """The rules of one file (a workspace's ``sentiment-rules.yaml`` or ``--rules FILE``)."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise JourneymapError(f"no rules file at {name}") from exc
    except IsADirectoryError as exc:
        raise JourneymapError(f"{name} is a folder; give a rules file such as {RULES_FILE}") from exc
    except UnicodeDecodeError as exc:
        raise JourneymapError(f"{name}: not UTF-8 text ({exc.reason})") from exc
    return parse_rules(text, name)


def rules_for(paths: Iterable[Path] = ()) -> ServiceRules:
    """The bundled rules with each given file merged on top, in order."""
    rules = bundled_rules()
    for p in paths:
        rules = rules.merged(read_rules_file(p))
    return rules


def workspace_rules_file(root: Path) -> Path | None:
    """The workspace's own rules file, when it has one."""
    path = root / RULES_FILE
    return path if path.is_file() else None
