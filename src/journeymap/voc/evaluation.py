"""Measuring a sentiment backend against a labelled set: accuracy and confusion matrix per language,
and, where the set has an ``intent`` column, intent accuracy, churn recall and question swaps.

The labelled file is a TSV with a header and at least the columns ``text``, ``language`` and
``label`` (positive / negative / neutral); ``intent`` (complaint, question, praise, churn,
request, none) is optional; other columns (``kind``, ``case``, ``split``) are kept for
grouping, and ``split`` selects rounds (``--split dev1,dev2``). journeymap ships two sets
(:data:`SETS`): ``bundled``, general customer messages (``voc/data/sentiment_eval.tsv``), and
``service``, service messages with intents (``voc/data/service_eval.tsv``).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from journeymap.errors import JourneymapError, suggest
from journeymap.voc.intent import INTENTS, NO_INTENT
from journeymap.voc.sentiment import LABELS, Backend, analyze

#: The labelled sets journeymap ships, by the name ``--eval`` accepts.
SETS: dict[str, str] = {"bundled": "sentiment_eval.tsv", "service": "service_eval.tsv"}
INTENT_VALUES: tuple[str, ...] = (*INTENTS, NO_INTENT)


@dataclass
class LabelledText:
    text: str
    language: str
    label: str
    extra: dict[str, str] = field(default_factory=dict)
    intent: str | None = None


@dataclass
class LanguageScore:
    """Accuracy and confusion matrix (``matrix[true][predicted]``) for one language, and intent accuracy."""

    language: str
    n: int
    correct: int
    matrix: dict[str, dict[str, int]]
    intent_n: int = 0
    intent_correct: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0

    @property
    def intent_accuracy(self) -> float | None:
        return self.intent_correct / self.intent_n if self.intent_n else None


@dataclass
class EvalReport:
    """The outcome of an evaluation: one :class:`LanguageScore` per language and the misclassified texts.

    ``churn`` counts texts labelled churn and how many got churn as their intent (recall), and
    ``churn_false`` the texts that got churn without the label; ``question_swaps`` counts questions
    (a ``?`` or the intent question) whose label went from positive to negative or back, out of
    ``questions``.
    """

    per_language: dict[str, LanguageScore]
    errors: list[tuple[LabelledText, str, float]]  # item, predicted label, score
    detected_language_errors: int = 0
    churn: int = 0
    churn_found: int = 0
    churn_false: int = 0
    questions: int = 0
    question_swaps: int = 0
    intent_errors: list[tuple[LabelledText, str]] = field(default_factory=list)  # item, predicted intent

    @property
    def n(self) -> int:
        return sum(s.n for s in self.per_language.values())

    @property
    def churn_recall(self) -> float | None:
        return self.churn_found / self.churn if self.churn else None


def eval_set(name: str) -> Path:
    """The path of a shipped labelled set by name (``bundled`` or ``service``)."""
    if name not in SETS:
        raise JourneymapError(f"unknown labelled set {name!r}; {suggest(name, SETS)}")
    return Path(str(resources.files("journeymap.voc").joinpath(f"data/{SETS[name]}")))


def bundled_eval_set() -> Path:
    """The path of the general evaluation set shipped with journeymap."""
    return eval_set("bundled")


def read_labelled(path: Path, splits: Collection[str] | None = None) -> list[LabelledText]:  # noqa: C901
    """Read a labelled TSV (only the rows of ``splits``, when given); bad rows are an error naming the file,
    line and the valid values."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
            columns = set(reader.fieldnames or [])
            missing = {"text", "label"} - columns
            if missing:
                raise JourneymapError(
                    f"{path}: missing column(s) {', '.join(sorted(missing))}; a labelled set needs text, language, label"
                )
            if splits and "split" not in columns:
                raise JourneymapError(f"{path} has no split column, so --split cannot choose rows")
            items: list[LabelledText] = []
            seen_splits: set[str] = set()
            for line, row in enumerate(reader, start=2):
                label = (row.get("label") or "").strip()
                if label not in LABELS:
                    raise JourneymapError(f"{path}:{line}: unknown label {label!r}; {suggest(label, LABELS)}")
                text = row.get("text") or ""
                if not text.strip():
                    raise JourneymapError(f"{path}:{line}: empty text")
                intent = (row.get("intent") or "").strip() or None
                if intent is not None and intent not in INTENT_VALUES:
                    raise JourneymapError(f"{path}:{line}: unknown intent {intent!r}; {suggest(intent, INTENT_VALUES)}")
                split = (row.get("split") or "").strip()
                seen_splits.add(split)
                if splits and split not in splits:
                    continue
                extra = {k: v for k, v in row.items() if k not in {"text", "language", "label", "intent"} and k and v}
                items.append(LabelledText(text, (row.get("language") or "").strip() or "unknown", label, extra, intent))
    except FileNotFoundError as exc:
        raise JourneymapError(f"labelled set not found: {path}") from exc
    except UnicodeDecodeError as exc:
        raise JourneymapError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    unknown = sorted(set(splits or ()) - seen_splits)
    if unknown:
        raise JourneymapError(f"{path} has no split {unknown[0]!r}; {suggest(unknown[0], seen_splits - {''})}")
    return items


def evaluate(items: list[LabelledText], backend: Backend | None = None, detect: bool = True) -> EvalReport:
    """Score ``items`` and compare with their labels (and intents), per language.

    With ``detect`` the backend detects each text's language itself, as it would in use; the
    number of texts whose detected language differs from the labelled one is reported.
    """
    results = analyze([i.text for i in items], None if detect else [i.language for i in items], backend)
    per: dict[str, LanguageScore] = {}
    report = EvalReport(per, [])
    for item, res in zip(items, results, strict=True):
        score = per.setdefault(
            item.language, LanguageScore(item.language, 0, 0, {t: dict.fromkeys(LABELS, 0) for t in LABELS})
        )
        score.n += 1
        score.matrix[item.label][res.label] += 1
        if res.label == item.label:
            score.correct += 1
        else:
            report.errors.append((item, res.label, res.score))
        if res.language != item.language:
            report.detected_language_errors += 1
        if "?" in item.text or item.intent == "question":
            report.questions += 1
            report.question_swaps += {item.label, res.label} == {"positive", "negative"}
        if item.intent is None:
            continue
        score.intent_n += 1
        score.intent_correct += res.intent == item.intent
        if res.intent != item.intent:
            report.intent_errors.append((item, res.intent))
        if item.intent == "churn":
            report.churn += 1
            report.churn_found += res.intent == "churn"
        elif res.intent == "churn":
            report.churn_false += 1
    report.per_language = dict(sorted(per.items()))
    return report


def label_counts(items: list[LabelledText]) -> Counter[tuple[str, str]]:
    """How many texts per (language, label): to check a set's balance."""
    return Counter((i.language, i.label) for i in items)


def evaluate_file(path: Path | str | None = None, backend: Backend | None = None,
                  splits: Collection[str] | None = None) -> EvalReport:
    """Evaluate a backend on a labelled TSV: a path, or a shipped set's name (default: ``bundled``)."""
    if path is None or str(path) in SETS:
        resolved = eval_set(str(path or "bundled"))
    else:
        resolved = Path(path)
    return evaluate(read_labelled(resolved, splits), backend)
