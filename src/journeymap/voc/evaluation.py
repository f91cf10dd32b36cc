"""Measuring a sentiment backend against a labelled set: accuracy and confusion matrix per language.

The labelled file is a TSV with a header and at least the columns ``text``, ``language`` and
``label`` (positive / negative / neutral); other columns (``kind``, ``split``) are kept for
grouping. The set the project ships is ``voc/data/sentiment_eval.tsv``.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from journeymap.errors import JourneymapError, suggest
from journeymap.voc.sentiment import LABELS, Backend, analyze


@dataclass
class LabelledText:
    text: str
    language: str
    label: str
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class LanguageScore:
    """Accuracy and confusion matrix (``matrix[true][predicted]``) for one language."""

    language: str
    n: int
    correct: int
    matrix: dict[str, dict[str, int]]

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0


@dataclass
class EvalReport:
    """The outcome of an evaluation: one :class:`LanguageScore` per language and the misclassified texts."""

    per_language: dict[str, LanguageScore]
    errors: list[tuple[LabelledText, str, float]]  # item, predicted label, score
    detected_language_errors: int = 0

    @property
    def n(self) -> int:
        return sum(s.n for s in self.per_language.values())


def bundled_eval_set() -> Path:
    """The path of the evaluation set shipped with journeymap."""
    return Path(str(resources.files("journeymap.voc").joinpath("data/sentiment_eval.tsv")))


def read_labelled(path: Path) -> list[LabelledText]:
    """Read a labelled TSV; bad rows are an error naming the file, line and the valid labels."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
            missing = {"text", "label"} - set(reader.fieldnames or [])
            if missing:
                raise JourneymapError(
                    f"{path}: missing column(s) {', '.join(sorted(missing))}; a labelled set needs text, language, label"
                )
            items: list[LabelledText] = []
            for line, row in enumerate(reader, start=2):
                label = (row.get("label") or "").strip()
                if label not in LABELS:
                    raise JourneymapError(f"{path}:{line}: unknown label {label!r}; {suggest(label, LABELS)}")
                text = row.get("text") or ""
                if not text.strip():
                    raise JourneymapError(f"{path}:{line}: empty text")
                extra = {k: v for k, v in row.items() if k not in {"text", "language", "label"} and k and v}
                items.append(LabelledText(text, (row.get("language") or "").strip() or "unknown", label, extra))
    except FileNotFoundError as exc:
        raise JourneymapError(f"labelled set not found: {path}") from exc
    except UnicodeDecodeError as exc:
        raise JourneymapError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    return items


def evaluate(items: list[LabelledText], backend: Backend | None = None, detect: bool = True) -> EvalReport:
    """Score ``items`` and compare with their labels, per language.

    With ``detect`` the backend detects each text's language itself, as it would in use; the
    number of texts whose detected language differs from the labelled one is reported.
    """
    results = analyze([i.text for i in items], None if detect else [i.language for i in items], backend)
    per: dict[str, LanguageScore] = {}
    errors: list[tuple[LabelledText, str, float]] = []
    lang_errors = 0
    for item, res in zip(items, results, strict=True):
        score = per.setdefault(
            item.language, LanguageScore(item.language, 0, 0, {t: dict.fromkeys(LABELS, 0) for t in LABELS})
        )
        score.n += 1
        score.matrix[item.label][res.label] += 1
        if res.label == item.label:
            score.correct += 1
        else:
            errors.append((item, res.label, res.score))
        if res.language != item.language:
            lang_errors += 1
    return EvalReport(dict(sorted(per.items())), errors, lang_errors)


def label_counts(items: list[LabelledText]) -> Counter[tuple[str, str]]:
    """How many texts per (language, label): to check a set's balance."""
    return Counter((i.language, i.label) for i in items)


def evaluate_file(path: Path | None = None, backend: Backend | None = None) -> EvalReport:
    """Evaluate a backend on a labelled TSV (default: the bundled evaluation set)."""
    return evaluate(read_labelled(path or bundled_eval_set()), backend)
