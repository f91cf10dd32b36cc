"""The message catalogues: complete in both languages, placeholders alike, formatting per language."""

from __future__ import annotations

import datetime as dt
import string

import pytest

from journeymap.errors import JourneymapError
from journeymap.i18n import catalogue, format_date, format_duration, format_number, format_percent, t
from journeymap.model.types import DMU_ROLES, PROVENANCES, SEVERITIES


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_nl_and_en_have_the_same_keys_and_placeholders() -> None:
    nl, en = catalogue("nl"), catalogue("en")
    assert set(nl) == set(en)
    for key in nl:
        assert fields(nl[key]) == fields(en[key]), key
        assert nl[key].strip() and en[key].strip(), key


def test_every_model_value_has_a_label() -> None:
    for lang in ("nl", "en"):
        for role in DMU_ROLES:
            assert t(f"role.{role}", lang)
        for sev in SEVERITIES:
            assert t(f"severity.{sev}", lang)
        for prov in PROVENANCES:
            assert t(f"provenance.{prov}", lang)
        for q in ("quick-win", "big-bet", "fill-in", "money-pit"):
            assert t(f"opportunities.{q}", lang)


def test_dutch_words_users_know() -> None:
    assert t("lane.pain_points", "nl") == "Pijnpunten"
    assert t("lane.moment_of_truth", "nl") == "Momenten van de waarheid"
    assert t("opportunities.title", "nl") == "Kansen"
    assert t("opportunities.quick-win", "nl") == "Snelle successen"
    assert t("map.page_part", "nl", first=1, last=10, total=200) == "Stappen 1–10 van 200"


def test_formatting_per_language() -> None:
    day = dt.date(2026, 3, 5)
    assert format_date(day, "nl") == "5 maart 2026"
    assert format_date(day, "en") == "5 March 2026"
    assert format_number(1234567.5, "nl", 1) == "1.234.567,5"
    assert format_number(1234567.5, "en", 1) == "1,234,567.5"
    assert format_percent(0.125, "nl", 1) == "12,5 %"
    assert format_percent(0.125, "en", 1) == "12.5%"
    assert format_number(-1, "nl", 1) == "\u22121,0" and format_number(-22935, "en") == "\u221222,935"
    assert format_number(-0.04, "nl", 1) == "0,0"  # rounds to zero: no sign
    assert format_duration(45, "en") == "45 s"
    assert format_duration(12 * 60, "nl") == "12 min"  # ten or more: no decimals
    assert format_duration(90, "nl") == "1,5 min"
    assert format_duration(3.5 * 3600, "nl") == "3,5 u"
    assert format_duration(20 * 86400, "en") == "20 d"
    # two whole units, as terminal tables show them; the same catalogue units in both languages
    assert format_duration(8100, "nl", units=2) == "2 u 15 min"
    assert format_duration(8100, "en", units=2) == "2 h 15 min"
    assert format_duration(90_061, "nl", units=2) == "1 d 1 u"
    assert format_duration(86_430, "en", units=2) == "1 d"  # 1 d 0 h 0 min 30 s: the next unit is empty, stop
    assert format_duration(1_234 * 86_400, "nl", units=2) == "1.234 d"
    assert format_duration(2.5, "nl", units=2) == "2,5 s"


def test_unknown_language_is_a_clear_error() -> None:
    with pytest.raises(JourneymapError, match=r"unknown language 'de'; expected one of: en, nl"):
        catalogue("de")
