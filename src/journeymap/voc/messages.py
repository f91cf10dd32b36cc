"""The voice-of-the-customer module's user texts in Dutch and English (one catalogue, not scattered strings)."""

from __future__ import annotations

CATALOGUE: dict[str, dict[str, str]] = {
    "en": {
        "gap_worse": "Expected vs received — {step}: assumed {assumed}, measured {measured} (n={n}); "
                     "customers feel {diff} points worse than the map assumes.",
        "gap_better": "Expected vs received — {step}: assumed {assumed}, measured {measured} (n={n}); "
                      "customers feel {diff} points better than the map assumes.",
        "peak_end": "Peak-end: {steps} shape what customers remember most (peak or end moment of {n} customers).",
        "small_sample": "small sample (n < 30)",
        "intent_complaint": "complaint",
        "intent_question": "question",
        "intent_praise": "praise",
        "intent_churn": "churn intent",
        "intent_request": "request",
        "intent_none": "no intent",
        "note_negated": "negated × {factor}",
        "note_negated_off": "negated: does not count",
        "note_before_contrast": "before a contrast word × {factor}",
        "note_after_contrast": "after a contrast word × {factor}",
        "note_irony": "praise beside a service failure or irony marker: read as irony",
        "note_not_irony": "the message also praises a service event: no irony",
        "note_question": "in a question × {factor}",
        "note_request": "in a request × {factor}",
        "note_disappointed": "a loyal customer who complains: disappointment × {factor}",
        "note_promised": "promised or hypothetical, not delivered: does not count",
        "note_notice": "an administrative notice (a date or an outside reason) × {factor}",
        "note_scare_quotes": "praise in scare quotes: read as irony",
        "explain_words": "words",
        "explain_source": "recognised by",
        "explain_value": "value",
        "explain_notes": "why",
        "explain_total": "sum {total:+.2f} → score {score:+.3f}: {label} (neutral between -{band} and +{band})",
        "explain_intent": "intent: {intent} ({scores})",
        "explain_rules": "rules that fired: {rules}",
        "explain_nothing": "no word, phrase or rule scored: neutral",
        "followup_churn": "churn intent",
    },
    "nl": {
        "gap_worse": "Verwacht vs ontvangen — {step}: aangenomen {assumed}, gemeten {measured} (n={n}); "
                     "klanten voelen zich {diff} punten slechter dan de kaart aanneemt.",
        "gap_better": "Verwacht vs ontvangen — {step}: aangenomen {assumed}, gemeten {measured} (n={n}); "
                      "klanten voelen zich {diff} punten beter dan de kaart aanneemt.",
        "peak_end": "Piek-eind: {steps} bepalen het meest wat klanten onthouden (piek- of eindmoment van {n} klanten).",
        "small_sample": "kleine steekproef (n < 30)",
        "intent_complaint": "klacht",
        "intent_question": "vraag",
        "intent_praise": "compliment",
        "intent_churn": "opzegintentie",
        "intent_request": "verzoek",
        "intent_none": "geen intentie",
        "note_negated": "ontkend × {factor}",
        "note_negated_off": "ontkend: telt niet mee",
        "note_before_contrast": "vóór een tegenstelling × {factor}",
        "note_after_contrast": "na een tegenstelling × {factor}",
        "note_irony": "lof naast een servicefout of ironiesignaal: gelezen als ironie",
        "note_not_irony": "het bericht prijst ook een servicegebeurtenis: geen ironie",
        "note_question": "in een vraag × {factor}",
        "note_request": "in een verzoek × {factor}",
        "note_disappointed": "een trouwe klant die klaagt: teleurstelling × {factor}",
        "note_promised": "beloofd of verondersteld, niet geleverd: telt niet mee",
        "note_notice": "een administratieve melding (een datum of een reden van buiten) × {factor}",
        "note_scare_quotes": "lof tussen aanhalingstekens: gelezen als ironie",
        "explain_words": "woorden",
        "explain_source": "herkend door",
        "explain_value": "waarde",
        "explain_notes": "waarom",
        "explain_total": "som {total:+.2f} → score {score:+.3f}: {label} (neutraal tussen -{band} en +{band})",
        "explain_intent": "intentie: {intent} ({scores})",
        "explain_rules": "regels die afgingen: {rules}",
        "explain_nothing": "geen woord, zinsdeel of regel gaf een score: neutraal",
        "followup_churn": "opzegintentie",
    },
}


def message(lang: str, key: str, **values: object) -> str:
    """A catalogue text in ``lang`` (English when the language has none), filled in."""
    table = CATALOGUE.get(lang, CATALOGUE["en"])
    return table.get(key, CATALOGUE["en"][key]).format(**values)
