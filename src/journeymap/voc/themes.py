"""Themes: the pain points (and praise) per step, as customers word them.

For each step, the comments and texts labelled negative (or positive) are cut into key
phrases: runs of words between Dutch and English stop words, counted as single words and
word pairs. Variants are merged by a light stemmer (``pakketten``/``pakket``,
``deliveries``/``delivery``) and shown in their most frequent wording. Each theme comes with
its count (texts that mention it) and a few example texts.

The texts are fetched per step and polarity, newest first and capped at ``per_group``
(default 5,000), so themes stay quick on large stores; counts are of the texts read.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir

from journeymap.engine import compile as C
from journeymap.voc.language import words
from journeymap.voc.lexicon import tokenize

STOPWORDS = words("""
de het een en van ik je jij dat die niet op te in met voor zijn er maar om aan ook als bij nog wat heb mijn ze
dit wel geen al u uw we wij kan wordt worden naar hoe waar dan nu mij me ben heeft hebben zou moet deze nooit
hier daar graag heel erg echt alleen gewoon toch weer ons onze jullie hij zij haar hem werd waren was is
bent kunnen wilt wil willen zal zullen moeten had hadden geweest omdat want dus zonder tot iets niets niks
veel meer minder altijd vandaag gisteren morgen even zo al of door over uit af toe zelf ook nou hoor
the a an and of to in it is was were be been being i you he she we they me my your our their his her its this
that these those for on at by with from as but or not no so very really just too also still than then there
here what which who whom when where why how all any some can could would should will shall may might must do
does did done have has had having am are i'm it's i've i'd you're we're they're don't didn't doesn't isn't
wasn't won't can't haven't hasn't about after before again into out up down over only own same such both each
few more most other off once please thanks thank hi hello hoi dear beste groet groeten regards kind
one two three four five six ten first second third twice times time een twee drie vier vijf tien eerste tweede
derde keer keren
""")
_NON_WORD = frozenset("!?.,;:")


def stem(word: str) -> str:
    """A light Dutch/English stem, enough to merge plural and inflected variants."""
    w = word.replace("'s", "")
    for suffix in ("ies", "eties", "tten", "en", "es", "s", "e"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            if suffix == "ies":
                return w[:-3] + "y"
            if suffix == "tten":
                return w[:-3]  # pakketten → pakket
            return w[: -len(suffix)]
    return w


def phrases(text: str) -> set[tuple[str, ...]]:
    """The key phrases of one text: single words and adjacent pairs between stop words, as stem tuples."""
    out: set[tuple[str, ...]] = set()
    run: list[str] = []
    for tok in [*tokenize(text), "."]:
        if tok in STOPWORDS or tok in _NON_WORD or not tok[0].isalpha() or len(tok) < 3:
            for i, w in enumerate(run):
                out.add((w,))
                if i + 1 < len(run):
                    out.add((w, run[i + 1]))
            run = []
        else:
            run.append(tok)
    return out


@dataclass
class Theme:
    phrase: str
    count: int
    examples: list[str] = field(default_factory=list)


@dataclass
class StepThemes:
    step: str
    negative: list[Theme] = field(default_factory=list)
    positive: list[Theme] = field(default_factory=list)


def extract_themes(texts: list[str], top: int = 5, examples: int = 3) -> list[Theme]:
    """The ``top`` most frequent key phrases of ``texts``, variants merged, with examples."""
    counts: Counter[tuple[str, ...]] = Counter()
    surface: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    where: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for idx, text in enumerate(texts):
        seen: set[tuple[str, ...]] = set()
        for ph in phrases(text):
            key = tuple(stem(w) for w in ph)
            surface[key][" ".join(ph)] += 1
            if key not in seen:
                seen.add(key)
                counts[key] += 1
                where[key].append(idx)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))
    chosen: list[tuple[str, ...]] = []
    for key, n in ranked:
        if n < 2 and chosen:
            break
        # a word that mostly occurs inside an already chosen pair adds nothing
        if len(key) == 1 and any(key[0] in c and counts[c] * 2 >= n for c in chosen if len(c) == 2):
            continue
        # a pair whose words are each already a chosen theme at about the same count adds little
        if len(key) == 2 and all((w,) in chosen for w in key):
            continue
        chosen.append(key)
        if len(chosen) == top:
            break
    return [Theme(surface[k].most_common(1)[0][0], counts[k], [texts[i] for i in where[k][:examples]])
            for k in chosen]


def step_texts(fb: ir.Table | None, interactions: ir.Table | None, per_group: int = 5000) -> ir.Table:
    """``step, label, text, ts``: labelled texts per step, newest first, at most ``per_group`` per step and label."""
    parts = []
    if fb is not None:
        parts.append(fb.filter(fb.comment.notnull()).select(step=fb.step, label=fb.sentiment_label, text=fb.comment,
                                                            ts=fb.ts))
    if interactions is not None:
        it = interactions
        parts.append(it.select(step=it.step, label=it.sentiment_label, text=it.text, ts=it.ts))
    t = parts[0] if len(parts) == 1 else parts[0].union(parts[1])
    t = t.filter(t.step.notnull() & t.label.isin(["positive", "negative"]))
    w = ibis.window(group_by=[t.step, t.label], order_by=[t.ts.desc()])
    t = t.mutate(_r=ibis.row_number().over(w))
    return t.filter(t._r < per_group).drop("_r")


def themes_by_step(fb: ir.Table | None, interactions: ir.Table | None, top: int = 5,
                   per_group: int = 5000) -> dict[str, StepThemes]:
    """Negative and positive themes for every step with labelled texts."""
    df = C.execute(step_texts(fb, interactions, per_group))
    out: dict[str, StepThemes] = {}
    for (step, label), group in df.groupby(["step", "label"]):
        entry = out.setdefault(str(step), StepThemes(str(step)))
        found = extract_themes([str(t) for t in group["text"]], top=top)
        if label == "negative":
            entry.negative = found
        else:
            entry.positive = found
    return out
