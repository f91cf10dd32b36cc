"""The transformer sentiment backend: a model directory on disk, run in batches, never downloaded.

A user who wants more than the lexicon backend downloads a sequence-classification model
once (for example a RobBERT Dutch sentiment model) and points journeymap at its folder.
Loading uses ``local_files_only=True``: journeymap never fetches anything at run time.

Two runtimes read the same folder:

* **torch**: the Hugging Face model (``config.json`` and its weights) run by PyTorch;
* **onnx**: ``model.onnx`` in the folder (or in its ``onnx/`` subfolder, where Hugging Face
  Optimum puts it) run by ONNX Runtime on the CPU, which is faster and needs no PyTorch.
  :func:`export_onnx` writes that file from the PyTorch model once.

``runtime="auto"`` (the default) takes ONNX when the folder has a ``model.onnx`` and ONNX
Runtime is installed, else PyTorch. The tokenizer comes from the folder either way.

Labels are read from the model's ``id2label``: names containing ``pos``/``neg``/``neu`` (any
case, also ``LABEL_0``-style names with 2 or 3 classes, read as negative, (neutral,) positive)
map onto our three labels. The score is ``P(positive) − P(negative)``. The intent comes from
the service rules (:meth:`~journeymap.voc.sentiment.LexiconBackend.intent_for`), read with the
model's label and score.

Needs the optional packages ``transformers`` and ``torch`` (CPU wheel is enough), or
``transformers`` and ``onnxruntime`` for the ONNX runtime; exporting needs ``torch`` and ``onnx``.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from journeymap.errors import JourneymapError, suggest
from journeymap.voc.language import detect_language
from journeymap.voc.sentiment import Label, LexiconBackend, Sentiment, default_backend, label_for

RUNTIMES = ("auto", "torch", "onnx")
ONNX_FILE = "model.onnx"


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


def onnx_file(model_dir: Path) -> Path | None:
    """The folder's ONNX model, when it has one (``model.onnx`` or ``onnx/model.onnx``)."""
    for candidate in (model_dir / ONNX_FILE, model_dir / "onnx" / ONNX_FILE):
        if candidate.is_file():
            return candidate
    return None


def _onnxruntime_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


def _softmax(rows: Any) -> list[list[float]]:
    import numpy as np

    z = np.asarray(rows, dtype="float64")
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return (z / z.sum(axis=-1, keepdims=True)).tolist()  # type: ignore[no-any-return]


class TransformerBackend:
    """Sentiment from a local Hugging Face sequence-classification model directory (PyTorch or ONNX)."""

    def __init__(self, model_dir: Path | str, *, batch_size: int = 32, max_length: int = 256,
                 device: str = "cpu", neutral_band: float = 0.25, runtime: str = "auto",
                 rules: LexiconBackend | None = None) -> None:
        path = Path(model_dir)
        if runtime not in RUNTIMES:
            raise JourneymapError(f"unknown runtime {runtime!r}; {suggest(runtime, RUNTIMES)}")
        if not path.is_dir():
            raise JourneymapError(f"no model directory at {path}")
        if not (path / "config.json").is_file():
            raise JourneymapError(f"{path} has no config.json: not a Hugging Face model directory")
        onnx_path = onnx_file(path)
        if runtime == "onnx" and onnx_path is None:
            raise JourneymapError(f"{path} has no {ONNX_FILE} (nor onnx/{ONNX_FILE}); write one with "
                                  "journeymap.voc.transformer.export_onnx, or use --runtime torch")
        if runtime == "auto":
            runtime = "onnx" if onnx_path is not None and _onnxruntime_installed() else "torch"
        self.runtime = runtime
        self.path = path
        self.device = device
        self.batch_size = batch_size
        self.max_length = max_length
        self.neutral_band = neutral_band
        self.rules = rules if rules is not None else default_backend()
        self.tokenizer: Any = self._tokenizer(path)
        id2label = self._load_onnx(onnx_path) if runtime == "onnx" and onnx_path else self._load_torch(path)
        self.labels = _label_index(id2label)

    @staticmethod
    def _tokenizer(path: Path) -> Any:
        try:
            from transformers import AutoTokenizer
        except ImportError as exc:
            raise JourneymapError("the transformer backend needs the package transformers: "
                                  "pip install 'journeymap[transformers]'") from exc
        try:
            return AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        except (OSError, ValueError) as exc:
            raise JourneymapError(f"cannot load the tokenizer in {path}: {exc}") from exc

    def _load_torch(self, path: Path) -> dict[int, str]:
        try:
            import torch
            from transformers import AutoModelForSequenceClassification
        except ImportError as exc:
            raise JourneymapError("the transformer backend's torch runtime needs the packages transformers and "
                                  "torch: pip install 'journeymap[transformers]'") from exc
        try:
            self.model: Any = AutoModelForSequenceClassification.from_pretrained(str(path), local_files_only=True)
        except (OSError, ValueError) as exc:
            raise JourneymapError(f"cannot load the model in {path}: {exc}") from exc
        self.model.eval()
        self.model.to(self.device)
        self.torch = torch
        return {int(k): v for k, v in self.model.config.id2label.items()}

    def _load_onnx(self, onnx_path: Path) -> dict[int, str]:
        try:
            import onnxruntime
        except ImportError as exc:
            raise JourneymapError("the ONNX runtime needs the package onnxruntime: pip install onnxruntime") from exc
        try:
            self.session: Any = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
            config = json.loads((self.path / "config.json").read_text(encoding="utf-8"))
        except Exception as exc:  # onnxruntime reports a bad file with its own exception types
            raise JourneymapError(f"cannot load {onnx_path}: {exc}") from exc
        self.onnx_inputs = [i.name for i in self.session.get_inputs()]
        id2label = config.get("id2label") or {}
        if not isinstance(id2label, dict) or not id2label:
            raise JourneymapError(f"{self.path / 'config.json'} has no id2label: cannot tell the model's labels")
        return {int(k): str(v) for k, v in id2label.items()}

    def _probabilities(self, texts: list[str]) -> list[list[float]]:
        if self.runtime == "onnx":
            enc = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="np")
            feed = {name: enc[name].astype("int64") for name in self.onnx_inputs if name in enc}
            missing = [name for name in self.onnx_inputs if name not in feed]
            if missing:
                raise JourneymapError(f"the ONNX model in {self.path} needs inputs the tokenizer does not give: "
                                      f"{', '.join(missing)}")
            return _softmax(self.session.run(None, feed)[0])
        enc = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
        enc = {k: v.to(self.device) for k, v in enc.items()}
        with self.torch.no_grad():
            return self.torch.softmax(self.model(**enc).logits, dim=-1).cpu().tolist()  # type: ignore[no-any-return]

    def _batch(self, texts: list[str]) -> list[tuple[Label, float]]:
        out: list[tuple[Label, float]] = []
        for p in self._probabilities(texts):
            score = p[self.labels["positive"]] - p[self.labels["negative"]]
            if "neutral" in self.labels:
                label: Label = max(("positive", "negative", "neutral"), key=lambda name: p[self.labels[name]])
            else:
                label = label_for(score, self.neutral_band)
            out.append((label, round(float(score), 4)))
        return out

    def analyze(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Sentiment]:
        """Label and score texts in batches of ``batch_size``; the intent from the service rules."""
        langs = list(languages) if languages is not None else [None] * len(texts)
        out: list[Sentiment] = []
        for start in range(0, len(texts), self.batch_size):
            chunk = list(texts[start:start + self.batch_size])
            for i, (label, score) in enumerate(self._batch(chunk)):
                lang = langs[start + i] or detect_language(chunk[i])
                intent, intents = self.rules.intent_for(chunk[i], lang, label, score)
                out.append(Sentiment(label, score, lang, intent, intents))
        return out


def export_onnx(model_dir: Path | str, target: Path | str | None = None, *, opset: int = 17) -> Path:
    """Write ``model.onnx`` for the PyTorch model in ``model_dir`` (default: into that folder), once, so that
    the ONNX runtime can run it. Needs ``torch``, ``transformers`` and ``onnx``."""
    path = Path(model_dir)
    out = Path(target) if target is not None else path / ONNX_FILE
    backend = TransformerBackend(path, runtime="torch")
    torch = backend.torch
    sample = backend.tokenizer(["a b", "a"], padding=True, return_tensors="pt")
    names = list(sample.keys())
    axes = {name: {0: "batch", 1: "sequence"} for name in names} | {"logits": {0: "batch"}}

    class _ByName(torch.nn.Module):  # type: ignore[misc,name-defined]
        """The model called with its inputs by name (the tokenizer's order is not the model's)."""

        def __init__(self) -> None:
            super().__init__()
            self.model = backend.model

        def forward(self, *args: Any) -> Any:
            return self.model(**dict(zip(names, args, strict=True))).logits

    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracing warns about every Python-level branch of the model
            torch.onnx.export(_ByName().eval(), tuple(sample[n] for n in names), str(out), input_names=names,
                              output_names=["logits"], dynamic_axes=axes, opset_version=opset, dynamo=False)
    except ImportError as exc:
        raise JourneymapError(f"exporting to ONNX needs the package onnx: pip install onnx ({exc})") from exc
    except Exception as exc:  # torch.onnx raises its own error types, also for a missing onnx package
        raise JourneymapError(f"cannot export the model in {path} to ONNX: {exc}") from exc
    return out
