"""Grammar words the sentiment rules act on: negation, intensity and contrast, per language.

These are closed word classes, so they are listed here rather than in a data file.
Multipliers follow VADER: a negated word flips and loses some strength (x -0.74); a booster
adds about a third; after a contrast word ("maar", "but") the clause that follows counts
1.5 times and the one before half.
"""

from __future__ import annotations

NEGATION_SCALAR = -0.74
CONTRAST_BEFORE = 0.5
CONTRAST_AFTER = 1.5
#: A negation that reaches no sentiment word ("het lukt niet", "the button does nothing") still reports a
#: problem in service conversations: it counts as this (VADER scale).
NEGATED_NEUTRAL = -1.0
#: Negators that negate a mood word but report no problem on their own ("zonder prijskaartje", "without a bag").
WEAK_NEGATORS = frozenset({"zonder", "without"})
#: How many tokens after a negator a sentiment word is still negated ("niet echt heel goed").
NEGATION_WINDOW = 3

NEGATORS: dict[str, frozenset[str]] = {
    "en": frozenset({
        "not", "no", "never", "nobody", "nothing", "none", "neither", "nor", "without", "hardly", "barely",
        "cannot", "cant", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "wont", "wouldnt",
        "havent", "hasnt", "hadnt", "couldnt", "shouldnt", "aint", "n't", "nowhere", "lack", "lacks", "lacked",
    }),
    "nl": frozenset({"niet", "geen", "nooit", "niemand", "niets", "nergens", "zonder", "nauwelijks", "amper",
                     "allerminst", "noch"}),
}

BOOSTERS: dict[str, dict[str, float]] = {
    "en": {
        "very": 0.3, "really": 0.3, "so": 0.25, "extremely": 0.4, "incredibly": 0.4, "super": 0.35,
        "totally": 0.3, "completely": 0.3, "absolutely": 0.4, "truly": 0.3, "highly": 0.3, "too": 0.2,
        "utterly": 0.4, "most": 0.2, "quite": 0.1, "such": 0.2, "pretty": 0.1,
        "slightly": -0.3, "somewhat": -0.3, "bit": -0.3, "little": -0.3, "fairly": -0.2, "rather": -0.1,
        "kinda": -0.3, "mostly": -0.2,
    },
    "nl": {
        "erg": 0.3, "heel": 0.3, "zeer": 0.3, "echt": 0.3, "super": 0.35, "ontzettend": 0.4, "enorm": 0.4,
        "hartstikke": 0.4, "bijzonder": 0.3, "uiterst": 0.4, "totaal": 0.3, "helemaal": 0.3, "volledig": 0.3,
        "zo": 0.25, "te": 0.2, "veel": 0.2, "best": 0.1, "vreselijk": 0.4, "behoorlijk": 0.2, "extreem": 0.4,
        "mega": 0.4, "flink": 0.3, "flinke": 0.3, "waanzinnig": 0.4, "ongelooflijk": 0.4, "zwaar": 0.3, "knap": 0.2, "oprecht": 0.2,
        "beetje": -0.3, "wat": -0.2, "iets": -0.3, "redelijk": -0.2, "vrij": -0.1, "tamelijk": -0.2, "enigszins": -0.3,
    },
}

#: Contrast words: what follows them counts more than what came before.
CONTRAST: dict[str, frozenset[str]] = {
    "en": frozenset({"but", "however", "nevertheless"}),
    "nl": frozenset({"maar", "echter", "desondanks"}),
}

#: Words after which "maar" means "only" or "just", not "but" ("maar één", "maar 2", "komt maar niet").
NOT_CONTRAST_BEFORE = frozenset({"een", "één", "twee", "drie", "vier", "vijf", "half", "even", "net", "pas", "niet",
                                 "weinig", "heel", "1", "2", "3", "4", "5"})

#: Words that contrast only right after a comma ("prima, alleen de bezorging ..."); elsewhere they are ordinary.
COMMA_CONTRAST = frozenset({"alleen", "behalve", "only", "except"})

#: Words that end a negation's reach.
CLAUSE_BREAKS = frozenset({".", ",", ";", "!", "?", ":", "and", "en", "but", "maar", "want", "because", "omdat"})
