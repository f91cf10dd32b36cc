"""Language detection for feedback texts: Dutch, English or ``unknown``, offline and fast.

Customer messages are short, so n-gram models trained on books guess wildly on
"Top!" or "ok". We count function words (which carry the language and no topic) and a few
spelling cues (Dutch ``ij``, ``oe``, ``sch``; English ``th``, ``wh``, ``-ing``). A text with no
evidence either way, or in another language, is labelled ``unknown`` and kept; the
sentiment scorer then uses both lexicons.
"""

from __future__ import annotations

import re

UNKNOWN = "unknown"


def words(block: str) -> frozenset[str]:
    """A word list written as a whitespace-separated block (easier to read and edit than a list literal)."""
    return frozenset(block.split())


_DUTCH = words("""
de het een en van ik je jij dat die niet op te met voor zijn er maar om aan ook als bij nog wat heb mijn
ze dit wel geen al u uw kan wordt worden naar hoe waar dan nu mij ben heeft hebben zou moet deze nooit
hier daar graag heel erg echt alleen gewoon toch weer ons onze jullie hij zij haar hem wij werd waren
bent kunnen wilt wil willen zal zullen moeten had hadden geweest omdat want dus nadat terwijl zonder tot
jullie iets niets niks veel meer minder altijd vandaag gisteren morgen alsjeblieft alstublieft bedankt
dank goed slecht mooi snel binnen besteld bestelling pakket levering bezorging klantenservice
alles ging gaat zoals wordt werd kreeg krijg krijgen gekregen ontvangen geleverd bezorgd kwam komt
heel echt prima helaas jammer maken gemaakt zien gezien weten weet vind vond nieuwe mogelijk
""")

_ENGLISH = words("""
the and to it you that for are be but at this have my they your will would what how where when there
from our been has does did just very not with on i were an am can could should
their them his her she he its which who why about into than then too also still never ever please thanks
thank order ordered delivery parcel package customer arrived received great good bad really
don't didn't doesn't isn't wasn't won't can't haven't i'm it's i've i'd you're we're
all everything went got get getting came comes as like only again back after before because
nice fine bought item items shipping thing things were
""")

# Words that mark another language (German, French, Spanish): evidence for "unknown".
_OTHER = words("""
und ist nicht das sehr ich mit auf ein eine der den dem wir sie bitte danke
le la les des est une pas pour avec sur je vous nous très merci
el los las una por con para muy gracias pero es
""")

_WORD = re.compile(r"[a-zà-öø-ÿ']+")
_NL_CUES = re.compile(r"ij|oe|sch|aa|uu|ui|eu")
_EN_CUES = re.compile(r"th|wh|ing\b|ly\b|ght")


def detect_language(text: str) -> str:
    """``nl``, ``en`` or ``unknown`` for one text."""
    words = _WORD.findall(text.lower())
    if not words:
        return UNKNOWN
    nl = en = other = 0
    for w in words:
        in_nl = w in _DUTCH
        in_en = w in _ENGLISH
        if in_nl and not in_en:
            nl += 1
        elif in_en and not in_nl:
            en += 1
        elif w in _OTHER:
            other += 1
    if other > max(nl, en):
        return UNKNOWN
    if nl == en:
        joined = " ".join(words)
        nl += len(_NL_CUES.findall(joined))
        en += len(_EN_CUES.findall(joined))
        if nl == en:
            return UNKNOWN
    return "nl" if nl > en else "en"


def detect_languages(texts: list[str]) -> list[str]:
    """:func:`detect_language` for many texts."""
    return [detect_language(t) for t in texts]
