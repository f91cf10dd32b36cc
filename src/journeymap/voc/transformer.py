"""The transformer sentiment backend: a model directory on disk, run in batches, never downloaded.

A user who wants more than the lexicon backend downloads a sequence-classification model
once (for example a RobBERT Dutch sentiment model) and points journeymap at its folder.
Loading uses ``local_files_only=True``: journeymap never fetches anything at run time.

Labels are read from the model's ``config.id2label``: names containing ``pos``/``neg``/
``neu`` (any case, also ``LABEL_0``-style names with 2 or 3 classes, read as negative,
(neutral,) positive) map onto our three labels. The score is ``P(positive) − P(negative)``.

Needs the optional packages ``transformers`` and ``torch`` (CPU wheel is enough).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from journeymap.errors import JourneymapError
from journeymap.voc.language import detect_language
from journeymap.voc.sentiment import Label, Sentiment, label_for


def _label_index(id2label: dict[int, str]) -> dict[str, int]:
    """Which output index is negative / neutral / positive."""
    found: dict[str, int] = {}
    for idx, name in id2label.items():
        low = name.lower()
        for key, label in (("neg", "negative"), ("neu", "neutral"), ("pos", "positive")):
            if key in low:
                found[label] = int(idx)
    if "positive" in found and "negative" in found:
        return found
    n = len(id2label)
    if n == 2:
        return {"negative": 0, "positive": 1}
    if n == 3:
        return {"negative": 0, "neutral": 1, "positive": 2}
    raise JourneymapError(f"cannot tell the model's labels apart: {sorted(id2label.values())}; "
                          "expected names with pos/neg(/neu) or 2–3 classes")


class TransformerBackend:
    """Sentiment from a local Hugging Face sequence-classification model directory."""

    def __init__(self, model_dir: Path | str, *, batch_size: int = 32, max_length: int = 256,
                 device: str = "cpu", neutral_band: float = 0.25) -> None:
        path = Path(model_dir)
        if not path.is_dir():
            raise JourneymapError(f"no model directory at {path}")
        if not (path / "config.json").is_file():
            raise JourneymapError(f"{path} has no config.json: not a Hugging Face model directory")
        try:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as exc:
            raise JourneymapError("the transformer backend needs the packages transformers and torch: "
                                  "pip install transformers torch") from exc
        try:
            self.tokenizer: Any = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
            self.model: Any = AutoModelForSequenceClassification.from_pretrained(str(path), local_files_only=True)
        except (OSError, ValueError) as exc:
            raise JourneymapError(f"cannot load the model in {path}: {exc}") from exc
        self.model.eval()
        self.model.to(device)
        self.torch = torch
        self.device = device
        self.batch_size = batch_size
        self.max_length = max_length
        self.neutral_band = neutral_band
        self.labels = _label_index({int(k): v for k, v in self.model.config.id2label.items()})

    def _batch(self, texts: list[str]) -> list[tuple[Label, float]]:
        enc = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
        enc = {k: v.to(self.device) for k, v in enc.items()}
        with self.torch.no_grad():
            probs = self.torch.softmax(self.model(**enc).logits, dim=-1).cpu().tolist()
        out: list[tuple[Label, float]] = []
        for p in probs:
            score = p[self.labels["positive"]] - p[self.labels["negative"]]
            best = max(self.labels, key=lambda name: p[self.labels[name]])
            label: Label = best if best in ("positive", "negative", "neutral") else label_for(score)  # type: ignore[assignment]
            if "neutral" not in self.labels:
                label = label_for(score, self.neutral_band)
            out.append((label, round(float(score), 4)))
        return out

    def analyze(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Sentiment]:
        """Label and score texts in batches of ``batch_size``."""
        langs = list(languages) if languages is not None else [None] * len(texts)
        out: list[Sentiment] = []
        for start in range(0, len(texts), self.batch_size):
            chunk = list(texts[start:start + self.batch_size])
            for i, (label, score) in enumerate(self._batch(chunk)):
                lang = langs[start + i] or detect_language(chunk[i])
                out.append(Sentiment(label, score, lang))
        return out
