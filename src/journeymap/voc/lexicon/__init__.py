"""The sentiment lexicons, assembled once per process from installed packages plus our additions.

Phases: package files (``sources``) → word and phrase tables per language (here) → the
rule-based scorer (:mod:`journeymap.voc.sentiment`). Our customer-service additions
(``voc/data/cs_lexicon.tsv``) override the packaged scores, because general-purpose
lexicons miss service language ("in de wacht", "never arrived") and score request
words ("please", "help") as praise.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from importlib import resources

from journeymap.voc.lexicon import rules, sources

LANGUAGES: tuple[str, ...] = ("nl", "en")

_TOKEN = re.compile(
    r"[0-9a-zà-öø-ÿ]+(?:['’\-][0-9a-zà-öø-ÿ]+)*"  # words, with inner apostrophes and hyphens
    r"|[:;=8][\-']?[()\[\]dDpP/\\|*]"  # emoticons
    r"|[\U0001F300-\U0001FAFF\u2600-\u27BF]"  # emoji
    r"|[!?.,;:]",
)


def tokenize(text: str) -> list[str]:
    """Lower-cased tokens: words (keeping ``didn't``), emoticons, emoji and clause punctuation."""
    return _TOKEN.findall(text.lower().replace("’", "'"))


@dataclass
class Lexicon:
    """Word and phrase scores (VADER scale, -4..4) and the grammar words for one language."""

    language: str
    words: dict[str, float]
    phrases: dict[str, list[tuple[tuple[str, ...], float]]]  # first token → (tokens, score), longest first
    negators: frozenset[str]
    boosters: dict[str, float]
    contrast: frozenset[str]
    standalone: dict[str, float] = field(default_factory=dict)  # booster words that also score alone ("Super!")
    dutch_inflection: bool = False
    _cache: dict[str, float | None] = field(default_factory=dict, repr=False)

    def word(self, token: str) -> float | None:
        """The score of one token, trying Dutch inflected forms (``snelle`` → ``snel``) when needed."""
        try:
            return self._cache[token]
        except KeyError:
            pass
        value = self.words.get(token)
        if value is None and self.dutch_inflection:
            for base in _dutch_bases(token):
                value = self.words.get(base)
                if value is not None:
                    break
        if len(self._cache) < 200_000:
            self._cache[token] = value
        return value


def _dutch_bases(token: str) -> list[str]:
    """Candidate base forms of a Dutch adjective: -e, -er, -ste endings, doubled consonants and vowels."""
    out: list[str] = []
    for suffix in ("e", "er", "ere", "st", "ste"):
        if len(token) <= len(suffix) + 2 or not token.endswith(suffix):
            continue
        stem = token[: -len(suffix)]
        stems = [stem, stem[:-1] + {"v": "f", "z": "s"}[stem[-1]]] if stem[-1] in "vz" else [stem]  # lieve → lief
        for s in stems:
            out.append(s)
            if s[-1] == s[-2]:
                out.append(s[:-1])  # snell → snel
            if len(s) > 2 and s[-2] in "aeou" and s[-3] not in "aeiou":
                out.append(s[:-1] + s[-2] + s[-1])  # grot → groot, waardelos → waardeloos
    return out


def _additions() -> dict[str, dict[str, float]]:
    text = resources.files("journeymap.voc").joinpath("data/cs_lexicon.tsv").read_text(encoding="utf-8")
    out: dict[str, dict[str, float]] = {lang: {} for lang in LANGUAGES}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lang, phrase, score = line.split("\t")[:3]
        out[lang][" ".join(tokenize(phrase))] = float(score)
    return out


def _emoji_scores(words: dict[str, float]) -> dict[str, float]:
    """Emoji scored by the mean of their VADER description's words (as VADER does)."""
    out: dict[str, float] = {}
    for emoji, description in sources.vader_emoji().items():
        values = [words[w] for w in description.lower().split() if w in words]
        if values and len(emoji) == 1:
            out[emoji] = sum(values) / len(values)
    return out


def _build(language: str) -> Lexicon:
    english = sources.vader_words()
    additions = _additions()
    if language == "en":
        base = dict(english)
    elif language == "nl":
        base = sources.pattern_dutch_words()
        base.update({k: v for k, v in english.items() if not k[0].isalnum()})  # emoticons are language-free
    else:  # unknown language: both lexicons, English winning where they overlap
        base = sources.pattern_dutch_words()
        base.update(english)
    base.update(_emoji_scores(english))
    merged_additions = additions["nl"] | additions["en"] if language not in LANGUAGES else additions[language]
    negators = rules.NEGATORS.get(language, rules.NEGATORS["nl"] | rules.NEGATORS["en"])
    boosters = rules.BOOSTERS.get(language, rules.BOOSTERS["nl"] | rules.BOOSTERS["en"])
    contrast = rules.CONTRAST.get(language, rules.CONTRAST["nl"] | rules.CONTRAST["en"])
    phrases: dict[str, list[tuple[tuple[str, ...], float]]] = {}
    for phrase, score in merged_additions.items():
        parts = tuple(phrase.split(" "))
        if len(parts) == 1:
            base[parts[0]] = score
        else:
            phrases.setdefault(parts[0], []).append((parts, score))
    for entries in phrases.values():
        entries.sort(key=lambda e: -len(e[0]))
    standalone = {b: merged_additions[b] for b in boosters if merged_additions.get(b)}
    for grammar_word in negators | set(boosters) | contrast:
        base.pop(grammar_word, None)  # grammar words act through the rules, not as sentiment
    return Lexicon(
        language=language, words=base, phrases=phrases, negators=negators, boosters=boosters,
        contrast=contrast, standalone=standalone, dutch_inflection=language != "en",
    )


_LOCK = threading.Lock()
_LEXICONS: dict[str, Lexicon] = {}


def get_lexicon(language: str) -> Lexicon:
    """The lexicon for ``nl``, ``en`` or anything else (both combined), built on first use."""
    key = language if language in LANGUAGES else "unknown"
    with _LOCK:
        if key not in _LEXICONS:
            _LEXICONS[key] = _build(key)
        return _LEXICONS[key]
