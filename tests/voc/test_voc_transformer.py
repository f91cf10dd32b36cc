"""The transformer backend: loading a local model directory and batched inference, on a tiny model built here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from journeymap.errors import JourneymapError
from journeymap.voc.transformer import _label_index

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "parcel", "was", "late", "great", "service",
         "het", "pakket", "kwam", "te", "laat", "top", "##s", "!", "."]


def build_tiny_model(path: Path, id2label: dict[int, str]) -> None:
    """A 2-layer BERT classifier with random weights and a 20-word WordPiece vocabulary."""
    torch.manual_seed(0)
    path.mkdir(parents=True, exist_ok=True)
    (path / "vocab.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizerFast(vocab_file=str(path / "vocab.txt"), do_lower_case=True)
    config = transformers.BertConfig(
        vocab_size=len(VOCAB), hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
        max_position_embeddings=64, num_labels=len(id2label), id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
    )
    model = transformers.BertForSequenceClassification(config)
    model.save_pretrained(str(path))
    tokenizer.save_pretrained(str(path))


def reference_scores(path: Path, texts: list[str], pos: int, neg: int) -> list[float]:
    """P(pos) − P(neg) computed one text at a time, without padding: independent of the backend's batching."""
    tok = transformers.AutoTokenizer.from_pretrained(str(path))
    model = transformers.AutoModelForSequenceClassification.from_pretrained(str(path)).eval()
    out = []
    with torch.no_grad():
        for t in texts:
            probs = torch.softmax(model(**tok(t, return_tensors="pt")).logits, dim=-1)[0]
            out.append(float(probs[pos] - probs[neg]))
    return out


def test_batched_inference_matches_one_by_one(tmp_path: Path) -> None:
    from journeymap.voc.transformer import TransformerBackend

    model_dir = tmp_path / "tiny-sentiment"
    build_tiny_model(model_dir, {0: "negative", 1: "neutral", 2: "positive"})
    texts = ["the parcel was late !", "top", "het pakket kwam te laat .", "great service", "the"]
    backend = TransformerBackend(model_dir, batch_size=2)  # 3 batches, the last one short, with padding
    results = backend.analyze(texts, ["en", None, "nl", "en", "en"])
    expected = reference_scores(model_dir, texts, pos=2, neg=0)
    assert [r.score for r in results] == pytest.approx(expected, abs=1e-4)
    assert all(r.label in ("positive", "negative", "neutral") for r in results)
    assert [r.language for r in results][:3] == ["en", "unknown", "nl"]  # given, detected ("top": no evidence), given


def test_missing_directory_and_config_are_clear_errors(tmp_path: Path) -> None:
    from journeymap.voc.transformer import TransformerBackend

    with pytest.raises(JourneymapError, match="no model directory"):
        TransformerBackend(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(JourneymapError, match="no config.json"):
        TransformerBackend(tmp_path / "empty")


def test_label_names_are_mapped() -> None:
    assert _label_index({0: "NEG", 1: "POS"}) == {"negative": 0, "positive": 1}
    assert _label_index({0: "positive", 1: "negative", 2: "neutral"}) == {"positive": 0, "negative": 1, "neutral": 2}
    assert _label_index({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}) == {"negative": 0, "neutral": 1, "positive": 2}
    with pytest.raises(JourneymapError, match="cannot tell"):
        _label_index({0: "a", 1: "b", 2: "c", 3: "d"})


def test_onnx_runtime_gives_the_labels_and_scores_of_torch(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from journeymap.voc.transformer import TransformerBackend, export_onnx

    model_dir = tmp_path / "tiny-sentiment"
    build_tiny_model(model_dir, {0: "negative", 1: "neutral", 2: "positive"})
    texts = ["the parcel was late !", "top", "het pakket kwam te laat .", "great service", "the", "late late late"]
    on_torch = TransformerBackend(model_dir, batch_size=4, runtime="torch").analyze(texts)
    assert TransformerBackend(model_dir).runtime == "torch"  # auto: no model.onnx yet
    assert export_onnx(model_dir) == model_dir / "model.onnx"
    on_onnx = TransformerBackend(model_dir, batch_size=4, runtime="onnx").analyze(texts)
    assert TransformerBackend(model_dir).runtime == "onnx"  # auto: the folder has one now
    assert [r.label for r in on_onnx] == [r.label for r in on_torch]
    assert [r.score for r in on_onnx] == pytest.approx([r.score for r in on_torch], abs=1e-4)
    assert [r.score for r in on_onnx] == pytest.approx(reference_scores(model_dir, texts, pos=2, neg=0), abs=1e-4)


def test_the_intent_comes_from_the_service_rules(tmp_path: Path) -> None:
    from journeymap.voc.transformer import TransformerBackend

    model_dir = tmp_path / "tiny-sentiment"
    build_tiny_model(model_dir, {0: "negative", 1: "neutral", 2: "positive"})
    [churn, question] = TransformerBackend(model_dir, runtime="torch").analyze(
        ["Ik stap over naar een andere leverancier.", "Wanneer komt de monteur?"], ["nl", "nl"])
    assert churn.intent == "churn" and churn.intents["churn"] >= 0.5  # whatever the random model says
    assert question.intents["question"] >= 0.5


def test_runtime_mistakes_are_clear_errors(tmp_path: Path) -> None:
    from journeymap.voc.transformer import TransformerBackend

    model_dir = tmp_path / "tiny-sentiment"
    build_tiny_model(model_dir, {0: "negative", 1: "positive"})
    with pytest.raises(JourneymapError, match=r"has no model.onnx \(nor onnx/model.onnx\)"):
        TransformerBackend(model_dir, runtime="onnx")
    with pytest.raises(JourneymapError, match=r"unknown runtime 'tensorflow'; expected one of: auto, onnx, torch"):
        TransformerBackend(model_dir, runtime="tensorflow")
    (model_dir / "model.onnx").write_bytes(b"not an onnx file")
    pytest.importorskip("onnxruntime")
    with pytest.raises(JourneymapError, match="cannot load .*model.onnx"):
        TransformerBackend(model_dir, runtime="onnx")


def test_cli_runtime_and_explain_with_a_model(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model_dir = tmp_path / "tiny-sentiment"
    build_tiny_model(model_dir, {0: "negative", 1: "neutral", 2: "positive"})
    result = run_cli("sentiment", "the parcel was late", "--model", model_dir, "--runtime", "torch", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)[0]["label"] in ("positive", "negative", "neutral")
    result = run_cli("sentiment", "the parcel was late", "--model", model_dir, "--runtime", "onnx")
    assert result.exit_code == 1 and "has no model.onnx" in result.stderr + result.stdout
    result = run_cli("sentiment", "the parcel was late", "--model", model_dir, "--explain")
    assert result.exit_code == 1 and "leave out --model" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr + result.stdout
