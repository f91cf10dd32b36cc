"""The voice of the customer: feedback metrics, sentiment and intent, themes, the measured emotion curve.

The public functions are importable from here (loaded on first use)::

    from journeymap.voc import sentiment, analyze, compute_metrics, ingest_feedback, followups
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "sentiment": "sentiment", "analyze": "sentiment", "backend_for": "sentiment", "default_backend": "sentiment",
    "Sentiment": "sentiment",
    "compute_metrics": "metrics", "nps": "metrics", "csat": "metrics", "ces": "metrics",
    "ingest_feedback": "ingest",
    "followups": "followup", "customer_journey": "followup", "export_followups": "followup",
    "add_to_overlay": "emotion", "step_emotions": "emotion",
    "peak_end": "peakend",
    "extract_themes": "themes", "themes_by_step": "themes",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f"journeymap.voc.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'journeymap.voc' has no attribute {name!r}")
