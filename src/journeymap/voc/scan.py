"""The walk over one text's tokens and the passes after it: what counted, and how it was reweighed.

Phases (see :mod:`journeymap.voc.sentiment`): tokens → :func:`scan` records every contribution
with where it came from (a lexicon word or phrase, a negation that reached no mood word, a
service rule) and which sentence it is in → :func:`_reweigh` reads the whole text (irony,
questions, reproaches and requests, promises, notices, loyalty) → contrast and exclamation
marks → the sum, and for ``--explain`` the :class:`Part` list.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from journeymap.voc.lexicon import Lexicon, rules
from journeymap.voc.service import NUMBER_KEY, START_NUMBER, START_WORD, Hit, RuleSet

#: Mood words in a question or a request count this much: "is the premium plan any good?" asks, it does
#: not praise; "stuur mij de juiste factuur" wants something, it does not judge.
ASKING_DAMPING = 0.5
#: Factors per contribution kind in a sentence that asks, reproaches or requests. A question damps a
#: cancellation, a concern and even a failure ("ik heb nog geen track & trace, klopt dat?" checks);
#: a reproach ("waarom heb ik mijn geld nog niet terug?") and a request ("I want to cancel") do not.
_DAMPED_WHEN_ASKING: dict[str, dict[str, float]] = {
    "question": {"": 0.4, "concern": ASKING_DAMPING, "cancel": ASKING_DAMPING, "churn": ASKING_DAMPING,
                 "success": 0.25, "failure": 0.4, "expectation": 0.4},
    "reproach": {"success": 0.25},
    "request": {"": ASKING_DAMPING, "success": 0.25},
}
_ASKING_RANK = {"request": 0, "question": 1, "reproach": 2}
#: Words that may come before an opening exclamation of praise ("Oh brilliant,", "Nou, top hoor").
_LEAD_INS = frozenset({"oh", "o", "wow", "nou", "ach", "well", "echt", "really", "heel", "ja", "yeah", "just", "zo", "so"})
#: Determiners: a praise word after one describes a thing ("Een fijne, persoonlijke service"), it exclaims nothing.
_DETERMINERS = frozenset({"een", "de", "het", "dit", "deze", "die", "zo'n", "a", "an", "the", "this", "that", "such"})
#: What may follow an opening exclamation of praise: a pause, or "hoor" ("Knap hoor, …").
_AFTER_EXCLAMATION = frozenset({",", "!", ".", ":", ";", "hoor", "zeg"})
#: Clause breaks between a praise word and a failure that make the praise ironic ("Top dat ik nu al …").
_CLAUSE_BREAKS = frozenset({",", ";", ":", "dat", "that"})
#: Rule kinds that report something going wrong: praise words beside them read as irony.
NEGATIVE_EVENTS = frozenset({"failure", "expectation", "churn"})
#: Kinds whose meaning a negation removes instead of flipping ("I'm not cancelling", "niet om te klagen").
DROPPED_WHEN_NEGATED = frozenset({"churn", "cancel", "irony", "loyalty", "question", "request", "neutral", "notice",
                                  "condition"})
#: Kinds a negation before them does not change: a failure is often told with one ("no heating since the weekend").
KEPT_WHEN_NEGATED = frozenset({"failure", "expectation", "concern", "reproach"})
#: What churn and cancel phrases count for sentiment beside a notice (a date, a move abroad): an
#: administrative notice ("graag opzeggen per 1 maart") keeps its churn intent but is no complaint.
NOTICE_FACTOR = 0.2
#: A loyal customer who complains is disappointed: loyalty then counts this many times its weight, negatively.
DISAPPOINTED_LOYALTY = -0.8
_SENTENCE_ENDS = frozenset({".", "!", "?"})


@dataclass
class Part:
    """One thing that moved the score, for ``--explain``: the words, what recognised them, the value.

    ``source`` is "lexicon", "phrase", "negation" or a rule id with its kind ("nl.waiting (failure)");
    ``notes`` are catalogue keys (``voc.*`` in :mod:`journeymap.i18n`'s catalogues) with the factor they applied.
    """

    words: str
    source: str
    value: float  # its final contribution (VADER scale), after the notes
    notes: list[tuple[str, float]] = field(default_factory=list)



class _Contribution:
    """One value found by the walk over the tokens, with what the passes after it need to know."""

    __slots__ = ("end", "kind", "notes", "sentence", "source", "start", "value")

    def __init__(self, start: int, end: int, value: float, kind: str, source: str, sentence: int) -> None:
        self.start, self.end, self.value, self.kind, self.source, self.sentence = start, end, value, kind, source, sentence
        self.notes: list[tuple[str, float]] = []


@dataclass
class Scan:
    """What one pass over a text's tokens found: the summed valence, the rules that fired, the parts."""

    total: float
    hits: list[Hit]
    parts: list[Part] | None = None


def scan(tokens: list[str], lex: Lexicon, ruleset: RuleSet | None = None, explain: bool = False,  # noqa: C901
         quoted: frozenset[str] = frozenset()) -> Scan:
    """Service rules and phrases first (longest match), then negation, boosters, contrast; then the passes.

    Every contribution is kept with its kind ("" for the lexicon, "negation" for a negation that
    reached no mood word, else the rule's kind) so that :func:`_reweigh` can read the whole text.
    ``quoted``: the words the text put in scare quotes (:func:`scare_quoted`).
    """
    found: list[_Contribution] = []
    hits: list[Hit] = []
    negated_hits: list[Hit] = []
    contrast_at = -1  # index into found: values before it are before the contrast word
    contrast_tokens: list[int] = []
    asking: dict[int, str] = {}  # sentence → "question" ("?", "hoe kan ik") or "request" ("graag", "could you")
    sentence = 0
    negate_left = 0
    weak = False
    from_rule = False
    boost = 0.0
    exclaim = 0
    words, phrases, negators, boosters = lex.words, lex.phrases, lex.negators, lex.boosters
    n = len(tokens)
    # RuleSet.may_match, inlined: this loop runs for every token of every text
    starts_get = ruleset.starts_cache.get if ruleset is not None else None
    pairs = ruleset.by_pair if ruleset is not None else {}
    present = set(tokens)
    i = 0
    while i < n:
        tok = tokens[i]
        hit = None
        if starts_get is not None:
            how = starts_get(tok)
            if how is None:
                how = ruleset.starts(tok)  # type: ignore[union-attr]
            if how and (how == START_WORD or (i + 1 < n and ((tok, tokens[i + 1]) in pairs or (
                    how == START_NUMBER and (NUMBER_KEY, tokens[i + 1]) in pairs)))):
                hit = ruleset.match_at(tokens, i, present)  # type: ignore[union-attr]
        if hit is not None:
            kind = hit.rule.kind
            negated = negate_left > 0 and not weak and kind not in KEPT_WHEN_NEGATED
            if negated and kind in DROPPED_WHEN_NEGATED:
                negated_hits.append(hit)
            else:
                hits.append(hit)
                if kind in _ASKING_RANK:
                    _mark(asking, sentence, kind)
                weight = hit.rule.weight * (rules.NEGATION_SCALAR if negated else 1.0)
                if weight or explain or kind == "condition":
                    found.append(_Contribution(i, hit.end, weight, kind, f"{hit.rule.id} ({kind})", sentence))
                    if negated:
                        found[-1].notes.append(("note_negated", rules.NEGATION_SCALAR))
            if tok not in rules.CLAUSE_BREAKS:  # a rule on "?" marks the text and lets the break do its work
                for t in tokens[i:hit.end]:
                    if t in _SENTENCE_ENDS:
                        sentence += 1
                last = tokens[hit.end - 1]
                # "nog steeds niet tevreden": a failure that ends on a negator negates what follows
                ends_negated = last in negators or last.endswith("n't")
                negate_left = rules.NEGATION_WINDOW if ends_negated and kind in KEPT_WHEN_NEGATED else 0
                from_rule = negate_left > 0  # the rule has told the problem: no extra "negation" for it
                weak = False
                boost = 0.0
                i = hit.end
                continue
        value: float | None = None
        width = 1
        candidates = phrases.get(tok)
        if candidates:
            for phrase, score in candidates:
                k = len(phrase)
                if tuple(tokens[i:i + k]) == phrase:
                    value, width = score, k
                    break
        if value is None:
            if tok in negators or tok.endswith("n't"):
                negate_left = rules.NEGATION_WINDOW
                weak = tok in rules.WEAK_NEGATORS
                from_rule = False
                i += 1
                continue
            if tok in boosters:
                nxt = tokens[i + 1] if i + 1 < n else ""
                if nxt and (lex.word(nxt) or nxt in phrases or nxt in boosters):
                    boost += boosters[tok]
                    i += 1
                    continue
                value = lex.standalone.get(tok)
            elif (tok in lex.contrast and not (i + 1 < n and tokens[i + 1] in rules.NOT_CONTRAST_BEFORE)) or (
                    tok in rules.COMMA_CONTRAST and i and tokens[i - 1] == ","):
                contrast_at = len(found)
                contrast_tokens.append(i)
                negate_left = 0
                boost = 0.0
                i += 1
                continue
            elif tok in rules.CLAUSE_BREAKS:
                if tok == "!":
                    exclaim += 1
                if negate_left > 0 and not weak and not from_rule:
                    found.append(_Contribution(max(0, i - rules.NEGATION_WINDOW), i, rules.NEGATED_NEUTRAL,
                                               "negation", "negation", sentence))
                if tok == "?":
                    _mark(asking, sentence, "question")
                if tok in _SENTENCE_ENDS:
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
            negated = negate_left > 0
            if negated:
                value *= rules.NEGATION_SCALAR
                negate_left = 0
            found.append(_Contribution(i, i + width, value, "", "phrase" if width > 1 else "lexicon", sentence))
            if negated:
                found[-1].notes.append(("note_negated", rules.NEGATION_SCALAR))
            boost = 0.0
        elif negate_left > 0:
            negate_left -= 1
            if (negate_left == 0 or i + width >= n) and not weak and not from_rule:
                # "lukt niet", "doet niets": a problem without a mood word
                found.append(_Contribution(max(0, i - rules.NEGATION_WINDOW), i + width, rules.NEGATED_NEUTRAL,
                                           "negation", "negation", sentence))
        i += width
    scare = False
    if quoted:
        for c in found:
            if c.kind == "" and c.value > 0 and c.end - c.start == 1 and tokens[c.start] in quoted:
                c.value = -c.value
                c.notes.append(("note_scare_quotes", -1.0))
                scare = True
    if hits or asking or scare or (len(found) > 1 and any(c.value > 0 for c in found) and any(c.value < 0 for c in found)):
        _reweigh(found, tokens, hits, contrast_tokens, asking, scare)
    if contrast_at >= 0:
        for j, c in enumerate(found):
            factor = rules.CONTRAST_BEFORE if j < contrast_at else rules.CONTRAST_AFTER
            if c.value:
                c.value *= factor
                c.notes.append(("note_before_contrast" if j < contrast_at else "note_after_contrast", factor))
    total = sum(c.value for c in found)
    bang = math.copysign(0.3 * min(exclaim, 3), total) if total and exclaim else 0.0
    total += bang
    parts = None
    if explain:
        parts = [Part(" ".join(tokens[c.start:c.end]), c.source, round(c.value, 3), c.notes) for c in found]
        parts += [Part(" ".join(tokens[h.start:h.end]), f"{h.rule.id} ({h.rule.kind})", 0.0, [("note_negated_off", 0.0)])
                  for h in negated_hits if h.rule.kind != "neutral"]
        if bang:
            parts.append(Part("!" * exclaim, "exclamation", round(bang, 3)))
    return Scan(total, hits, parts)


def _mark(asking: dict[int, str], sentence: int, mode: str) -> None:
    """A sentence reproaches more than it asks, and asks more than it requests."""
    if _ASKING_RANK[mode] > _ASKING_RANK.get(asking.get(sentence, ""), -1):
        asking[sentence] = mode


def _reweigh(found: list[_Contribution], tokens: list[str], hits: list[Hit], contrast_tokens: list[int],
             asking: dict[int, str], scare: bool = False) -> None:
    """The passes that read the whole text: irony, loyalty, questions and requests.

    * **irony**, in a text that describes nothing that went well: praise words count as complaints
      when the text has an irony marker ("ja hoor", 🙄, a praise word in scare quotes); when a service failure follows
      them in the same sentence after a clause break and no contrast word ("Wonderful service, nobody
      answers the phone", "Echt top dat ik nu al vijf dagen zonder tv zit"); and an opening
      exclamation of praise ("Brilliant,", "Knap hoor,") when anything negative follows it in the
      same or the next sentence ("Geweldig. Weer geen monteur."). Praise about a failure ("clear
      communication about the delay") or after it stays praise;
    * an irony marker beside a described success is no irony ("super, binnen een uur geregeld 😉");
    * **loyalty** in a complaint is disappointment ("al 20 jaar klant en nu dit");
    * a **success after an expectation, an if-clause or a churn phrase** in its sentence was promised, is
      hypothetical or a competitor's, not delivered ("was supposed to be paid back within ten days", "if it
      isn't fixed within a day", "another shop gets it to me the next day"): it counts nothing;
    * a praise word in **scare quotes** ("thanks for the 'quick' answer") is irony;
    * beside a **notice** (a date, a move abroad) churn and cancel phrases count :data:`NOTICE_FACTOR`;
    * mood words, mild concerns and cancellations in a **question or request** count
      :data:`ASKING_DAMPING` times, described successes a quarter ("can I return it within 30 days?"
      asks about speed, it does not praise it); failures count in full ("why is it taking so long?").
    """
    kinds = {h.rule.kind for h in hits}
    success = "success" in kinds
    explicit = ("irony" in kinds or scare) and not success
    failures = [c for c in found if c.kind in NEGATIVE_EVENTS and c.value < 0]
    negatives = [c for c in found if c.value < 0 and c.kind in ("", "negation", *NEGATIVE_EVENTS)]
    complaint = bool(failures) or "irony" in kinds
    notice = "notice" in kinds
    # the first expectation, if-clause or competitor per sentence: a success after it was promised, is
    # hypothetical or is someone else's ("bij een andere webshop krijg ik het de volgende dag")
    promised = {c.sentence: c.start for c in reversed(found) if c.kind in ("expectation", "condition", "churn")}
    for c in found:
        if c.kind == "" and c.value > 0 and not success and (explicit or _ironic(c, tokens, failures, negatives,
                                                                                 contrast_tokens)):
            c.value = -c.value
            c.notes.append(("note_irony", -1.0))
        elif c.sentence in asking and c.kind in _DAMPED_WHEN_ASKING[asking[c.sentence]]:
            factor = _DAMPED_WHEN_ASKING[asking[c.sentence]][c.kind]
            c.value *= factor
            c.notes.append(("note_question" if asking[c.sentence] == "question" else "note_request", factor))
        elif c.kind == "success" and c.start > promised.get(c.sentence, len(tokens)):
            c.value = 0.0
            c.notes.append(("note_promised", 0.0))
        elif c.kind in ("churn", "cancel") and notice:
            c.value *= NOTICE_FACTOR
            c.notes.append(("note_notice", NOTICE_FACTOR))
        elif c.kind == "irony" and success:
            c.value = 0.0
            c.notes.append(("note_not_irony", 0.0))
        elif c.kind == "loyalty" and complaint:
            c.value = DISAPPOINTED_LOYALTY * abs(c.value)
            c.notes.append(("note_disappointed", DISAPPOINTED_LOYALTY))


def _ironic(praise: _Contribution, tokens: list[str], failures: list[_Contribution], negatives: list[_Contribution],
            contrast_tokens: list[int]) -> bool:
    """Whether a praise word is ironic (see :func:`_reweigh`): followed, without a contrast word between, by a
    failure after a clause break in its sentence, or, as an opening exclamation, by anything negative."""
    def clear(other: _Contribution) -> bool:
        return other.start >= praise.end and not any(praise.start < c < other.start for c in contrast_tokens)

    if _opening_exclamation(praise, tokens):
        return any(clear(o) and o.sentence in (praise.sentence, praise.sentence + 1) for o in negatives)
    return any(clear(f) and f.sentence == praise.sentence
               and any(t in _CLAUSE_BREAKS for t in tokens[praise.end:f.end - 1]) for f in failures)


def _opening_exclamation(praise: _Contribution, tokens: list[str]) -> bool:
    """A praise word among the first two words of its sentence (a phrase: the first), not counting lead-ins
    such as "oh", and followed by a pause: "Brilliant,", "Echt klantvriendelijk hoor,", "Really customer
    friendly,"; not after a determiner ("Een fijne, persoonlijke service")."""
    i, words = praise.start, 0
    while i > 0 and tokens[i - 1] not in _SENTENCE_ENDS:
        words += tokens[i - 1] not in _LEAD_INS
        if words > (1 if praise.end - praise.start == 1 else 0) or tokens[i - 1] in _DETERMINERS:
            return False
        i -= 1
    return praise.end >= len(tokens) or tokens[praise.end] in _AFTER_EXCLAMATION


_SCARE_QUOTES = re.compile(r"(?<![\w'’])['\"‘“](\w[\w-]*)['\"’”](?![\w'’])")


def scare_quoted(text: str) -> frozenset[str]:
    """Single words the text puts in quotes ("het 'snelle' antwoord"): said with distance, not meant."""
    if "'" not in text and '"' not in text and "‘" not in text and "“" not in text:
        return frozenset()
    return frozenset(m.group(1).lower() for m in _SCARE_QUOTES.finditer(text))
