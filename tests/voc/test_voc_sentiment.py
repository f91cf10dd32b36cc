"""Sentiment rules, language detection and the evaluation set's accuracy target."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeymap.errors import JourneymapError
from journeymap.voc.evaluation import LabelledText, bundled_eval_set, evaluate, read_labelled
from journeymap.voc.language import detect_language
from journeymap.voc.lexicon import get_lexicon, sources
from journeymap.voc.sentiment import LexiconBackend, Sentiment, sentiment


def score(text: str, lang: str | None = None) -> float:
    return sentiment(text, lang).score


def test_lexicons_come_from_the_installed_packages() -> None:
    vader = sources.vader_words()
    pattern = sources.pattern_dutch_words()
    assert len(vader) > 7000 and vader["good"] > 0 > vader["bad"]
    assert len(pattern) > 3000 and pattern["goed"] > 0 > pattern["slecht"]


def test_service_phrases_are_negative_in_both_languages() -> None:
    for text, lang in [("Ik stond een half uur in de wacht", "nl"), ("Ik ben niet teruggebeld", "nl"),
                       ("Mijn pakket is nooit aangekomen", "nl"), ("I am still waiting for my refund", "en"),
                       ("The parcel never arrived", "en")]:
        assert sentiment(text, lang).label == "negative", text


def test_negation_flips_and_weakens() -> None:
    assert score("Ik ben tevreden", "nl") > 0 > score("Ik ben niet tevreden", "nl")
    assert abs(score("Ik ben niet tevreden", "nl")) < abs(score("Ik ben tevreden", "nl"))
    assert score("The staff were helpful", "en") > 0 > score("The staff were not helpful", "en")
    assert score("Not bad at all", "en") > 0  # a phrase, not a negated negative word turned neutral


def test_intensifiers_strengthen() -> None:
    assert score("De levering was erg traag", "nl") < score("De levering was traag", "nl") < 0
    assert score("The app is really slow", "en") < score("The app is slow", "en") < 0


def test_contrast_the_clause_after_maar_or_but_counts_more() -> None:
    assert score("Mooi product, maar de bezorging was een drama", "nl") < 0
    assert score("De bezorging was een drama, maar het product is mooi", "nl") > 0
    assert score("Great product but the delivery was a nightmare", "en") < 0
    assert score("Prima bestelling, alleen de bezorging liet op zich wachten", "nl") < 0


def test_factual_questions_are_neutral() -> None:
    assert sentiment("Wanneer wordt mijn bestelling geleverd?").label == "neutral"
    assert sentiment("Can you please help me change my address?").label == "neutral"


def test_language_detection() -> None:
    assert detect_language("Het pakket is vandaag bezorgd, dank je wel") == "nl"
    assert detect_language("The parcel was delivered today, thank you") == "en"
    assert detect_language("Das Paket ist nicht angekommen, bitte helfen Sie mir") == "unknown"
    assert detect_language("12345") == "unknown"
    assert detect_language("") == "unknown"


def test_unknown_language_is_labelled_and_still_scored() -> None:
    res = LexiconBackend().score("Super!!")
    assert res.language == "unknown" and res.label == "positive"


def test_dutch_inflected_adjectives_are_found() -> None:
    lex = get_lexicon("nl")
    assert lex.word("waardeloze") == lex.word("waardeloos") is not None
    assert lex.word("trage") is not None and lex.word("trage") < 0


class _Fixed:
    """A backend that returns given labels, to check the evaluation arithmetic independently."""

    def __init__(self, labels: list[str]) -> None:
        self.labels = labels

    def analyze(self, texts, languages=None):  # type: ignore[no-untyped-def]
        return [Sentiment(lab, 0.0, "nl") for lab in self.labels]  # type: ignore[arg-type]


def test_confusion_matrix_counts() -> None:
    items = [LabelledText("a", "nl", "positive"), LabelledText("b", "nl", "positive"),
             LabelledText("c", "nl", "negative"), LabelledText("d", "en", "neutral")]
    report = evaluate(items, _Fixed(["positive", "neutral", "negative", "negative"]))
    nl, en = report.per_language["nl"], report.per_language["en"]
    assert (nl.n, nl.correct, en.n, en.correct) == (3, 2, 1, 0)
    assert nl.matrix["positive"] == {"positive": 1, "negative": 0, "neutral": 1}
    assert en.matrix["neutral"]["negative"] == 1
    assert report.detected_language_errors == 1  # the "en" item came back as "nl"


def test_evaluation_set_is_balanced_and_large_enough() -> None:
    items = read_labelled(bundled_eval_set())
    assert len(items) >= 300
    langs = [i.language for i in items]
    assert abs(langs.count("nl") - langs.count("en")) <= 5
    for lang in ("nl", "en"):
        labels = [i.label for i in items if i.language == lang]
        assert min(labels.count(x) for x in ("positive", "negative", "neutral")) >= 50
    assert {i.extra["kind"] for i in items} == {"chat", "email", "review", "survey"}


def test_default_backend_meets_the_accuracy_target() -> None:
    report = evaluate(read_labelled(bundled_eval_set()))
    for lang in ("nl", "en"):
        assert report.per_language[lang].accuracy >= 0.90, lang


def test_bad_labelled_file_names_line_and_valid_labels(tmp_path: Path) -> None:
    path = tmp_path / "set.tsv"
    path.write_text("text\tlanguage\tlabel\nfine\ten\tpositive\nhmm\ten\tpositif\n", encoding="utf-8")
    with pytest.raises(JourneymapError, match=r"set.tsv:3: unknown label 'positif'; did you mean 'positive'"):
        read_labelled(path)
