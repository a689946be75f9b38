"""The Prediction record shared by the trained model and the keyword rules."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

TAGS: tuple[str, ...] = ("performance", "usability", "security", "energy")


@dataclass
class Prediction:
    """What triage knows about one item: labels, probabilities, priority and why.

    `confidence` is the smallest of the three heads' probabilities for their predicted
    labels (category, impact, urgency): a conservative score for the whole triage
    decision, since a wrong impact or urgency gives a wrong priority just as a wrong
    category gives a wrong queue. The category's own probability is
    `category_proba[category]` (see `category_confidence`).
    """

    category: str
    category_proba: dict[str, float]
    impact: str
    impact_proba: dict[str, float]
    urgency: str
    urgency_proba: dict[str, float]
    priority: str
    tags: list[str] = field(default_factory=list)
    confidence: float = 0.0
    reasons: list[dict[str, Any]] = field(default_factory=list)
    model_version: str = ""
    # Why, in words a triager reads at a glance (signals, rules, the submitter's severity).
    why: list[str] = field(default_factory=list)
    # Keyboard mash, "test", a bare greeting or spam: category other, low priority.
    junk: bool = False

    @property
    def category_confidence(self) -> float:
        """Return the probability of the predicted category."""
        return float(self.category_proba.get(self.category, 0.0))

    def to_dict(self) -> dict[str, Any]:
        """Return the prediction as plain JSON-serialisable values (floats rounded to 4 places)."""
        # Shallow on purpose: dataclasses.asdict deep-copies every reason and cost ~0.6 ms an item.
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["tags"] = list(self.tags)
        data["why"] = list(self.why)
        for key in ("category_proba", "impact_proba", "urgency_proba"):
            data[key] = {k: round(float(v), 4) for k, v in data[key].items()}
        data["confidence"] = round(float(self.confidence), 4)
        data["reasons"] = [
            {**r, "weight": round(float(r["weight"]), 4)} for r in self.reasons
        ]
        return data
