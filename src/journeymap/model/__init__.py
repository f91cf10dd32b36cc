"""Domain model, YAML load/save and validation."""

from journeymap.model.types import (
    Condition,
    DataBinding,
    Emotion,
    Journey,
    Kpi,
    LaneItem,
    Opportunity,
    PainPoint,
    Persona,
    SegmentRule,
    Settings,
    Stage,
    Step,
    Trigger,
)
from journeymap.model.workspace import Workspace, find_root, load_workspace

__all__ = [
    "Condition", "DataBinding", "Emotion", "Journey", "Kpi", "LaneItem", "Opportunity", "PainPoint", "Persona",
    "SegmentRule", "Settings", "Stage", "Step", "Trigger", "Workspace", "find_root", "load_workspace",
]
