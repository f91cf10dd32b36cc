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
    },
    "nl": {
        "gap_worse": "Verwacht vs ontvangen — {step}: aangenomen {assumed}, gemeten {measured} (n={n}); "
                     "klanten voelen zich {diff} punten slechter dan de kaart aanneemt.",
        "gap_better": "Verwacht vs ontvangen — {step}: aangenomen {assumed}, gemeten {measured} (n={n}); "
                      "klanten voelen zich {diff} punten beter dan de kaart aanneemt.",
        "peak_end": "Piek-eind: {steps} bepalen het meest wat klanten onthouden (piek- of eindmoment van {n} klanten).",
        "small_sample": "kleine steekproef (n < 30)",
    },
}


def message(lang: str, key: str, **values: object) -> str:
    """A catalogue text in ``lang`` (English when the language has none), filled in."""
    table = CATALOGUE.get(lang, CATALOGUE["en"])
    return table.get(key, CATALOGUE["en"][key]).format(**values)
