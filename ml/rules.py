"""Cold-start triage: keyword rules that give a first category, impact and urgency.

Used while no model is trained, and by a trained model for a head it had no labels for.
A rule is a plain dict, so admins can edit the list and the app can store it as JSON:

    {"pattern": "crash|error", "category": "bug", "urgency": None, "impact": None}

`pattern` is a Python regular expression, searched case-insensitively in the title and
body (`^`/`$` match at line ends). For the category, the first matching rule wins (order
the list from most to least specific); for impact and urgency, the highest level any
matching rule names wins. Nothing matched: category "other", impact and urgency "medium".
A submitter's own severity of critical/blocker/high/urgent raises impact and urgency to
high (it can only raise them). Confidence stays low (at most 0.5) so that rule-based
items land in the needs-review queue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from .prediction import CATEGORIES, Prediction
from .priority import LEVELS, priority_for

DEFAULT_RULES: list[dict[str, Any]] = [
    {"pattern": r"\b(crash\w*|error|exception|broken|bug|fails?|failed|freez\w*)\b"
                r"|doesn'?t work|does not work|not working|won'?t (open|load|start)",
     "category": "bug", "urgency": None, "impact": None},
    {"pattern": r"please add|would be nice|feature request|it would be great|\bwish\b"
                r"|\bcould you add\b|\badd (an? )?(option|setting|way)\b|\bsupport for\b",
     "category": "feature", "urgency": None, "impact": None},
    {"pattern": r"\bhow (do|can|should) i\b|\bhow to\b|\bis there a way\b|\?\s*$",
     "category": "question", "urgency": None, "impact": None},
    {"pattern": r"\bthanks?\b|\bthank you\b|\blove\b|\bgreat app\b|\bawesome\b",
     "category": "other", "urgency": None, "impact": None},
    {"pattern": r"\burgent\w*|\basap\b|\bimmediately\b|\boutage\b|production (is )?down"
                r"|can'?t log ?in|cannot log ?in|unable to log ?in",
     "category": None, "urgency": "high", "impact": None},
    {"pattern": r"data loss|lost (all )?(my )?data|\bsecurity\b|\bvulnerab\w*|\boutage\b"
                r"|production (is )?down|all users|everyone",
     "category": None, "urgency": None, "impact": "high"},
    {"pattern": r"\btypo\b|\bspelling\b|\bcosmetic\b|\bnitpick\b",
     "category": None, "urgency": "low", "impact": "low"},
]

_KEYS = ("pattern", "category", "urgency", "impact")
_RAISING_SEVERITIES = {"critical", "blocker", "high", "urgent", "highest"}
_FLAGS = re.IGNORECASE | re.MULTILINE
RULE_CONFIDENCE = 0.55


def _validate_rule(index: int, rule: Any) -> dict[str, Any]:
    if not isinstance(rule, Mapping):
        raise ValueError(f"rule {index}: must be a dict, got {type(rule).__name__}")
    unknown = set(rule) - set(_KEYS)
    if unknown:
        raise ValueError(f"rule {index}: unknown keys {sorted(unknown)}; allowed {list(_KEYS)}")
    pattern = rule.get("pattern")
    if not isinstance(pattern, str) or not pattern.strip():
        raise ValueError(f"rule {index}: 'pattern' must be a non-empty string")
    try:
        re.compile(pattern, _FLAGS)
    except re.error as exc:
        raise ValueError(f"rule {index}: bad regular expression {pattern!r}: {exc}") from None
    clean = {"pattern": pattern}
    for key, allowed in (("category", CATEGORIES), ("urgency", LEVELS), ("impact", LEVELS)):
        value = rule.get(key)
        if value is not None and value not in allowed:
            raise ValueError(f"rule {index}: {key} {value!r} is not one of {', '.join(allowed)}")
        clean[key] = value
    if not any(clean[key] for key in ("category", "urgency", "impact")):
        raise ValueError(f"rule {index}: sets none of category, urgency, impact")
    return clean


def _spread(labels: Iterable[str], chosen: str, top: float) -> dict[str, float]:
    labels = list(labels)
    rest = (1.0 - top) / (len(labels) - 1)
    return {label: (top if label == chosen else rest) for label in labels}


class KeywordRules:
    """Keyword/regex classifier with the same predict() contract as TriageModel."""

    version = "rules"

    def __init__(self, rules: list[dict[str, Any]] | None = None) -> None:
        """Validate `rules` (None: DEFAULT_RULES) and compile them; raise ValueError if bad."""
        self.rules = self.validate(DEFAULT_RULES if rules is None else rules)
        self._compiled = [re.compile(rule["pattern"], _FLAGS) for rule in self.rules]

    @staticmethod
    def validate(rules: Any) -> list[dict[str, Any]]:
        """Return the rules as clean dicts, or raise ValueError naming the first bad rule."""
        if not isinstance(rules, list):
            raise ValueError("rules must be a list of dicts")
        return [_validate_rule(index, rule) for index, rule in enumerate(rules)]

    def predict(self, items: Iterable[Mapping[str, Any]]) -> list[Prediction]:
        """Return one low-confidence Prediction per item from the first/strongest matching rules."""
        return [self._predict_one(item) for item in items]

    def _matches(self, item: Mapping[str, Any]) -> list[tuple[dict[str, Any], str]]:
        title, body = (_text(item.get(k)) for k in ("title", "body"))
        text = f"{title}\n{body or _text(item.get('text'))}"
        found = []
        for rule, regex in zip(self.rules, self._compiled):
            match = regex.search(text)
            if match:
                found.append((rule, match.group(0).strip() or match.group(0)))
        return found

    def _predict_one(self, item: Mapping[str, Any]) -> Prediction:
        matches = self._matches(item)
        reasons: list[dict[str, Any]] = []
        category = next(((r["category"], m) for r, m in matches if r["category"]), None)
        if category:
            reasons.append(_reason(category[1], "category"))
        labels = {"category": category[0] if category else "other"}
        for head in ("impact", "urgency"):
            levels = [(LEVELS.index(r[head]), m) for r, m in matches if r[head]]
            rank, matched = min(levels) if levels else (1, None)
            if _text(item.get("severity")).strip().lower() in _RAISING_SEVERITIES:
                rank, matched = 0, f"context:severity={item['severity']}"
            if matched:
                reasons.append(_reason(matched, head))
            labels[head] = LEVELS[rank]
        return self._prediction(labels, bool(category), reasons)

    def _prediction(self, labels: dict[str, str], matched: bool,
                    reasons: list[dict[str, Any]]) -> Prediction:
        top = RULE_CONFIDENCE if matched else 1.0 / len(CATEGORIES)
        category_proba = _spread(CATEGORIES, labels["category"], top)
        return Prediction(
            category=labels["category"], category_proba=category_proba,
            impact=labels["impact"], impact_proba=_spread(LEVELS, labels["impact"], 0.5),
            urgency=labels["urgency"], urgency_proba=_spread(LEVELS, labels["urgency"], 0.5),
            priority=priority_for(labels["impact"], labels["urgency"]),
            tags=[], confidence=min(top, 0.5), reasons=reasons, model_version=self.version,
        )


def _text(value: Any) -> str:
    # Records from DataFrames carry NaN for missing text; NaN is truthy.
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def _reason(matched: str, head: str) -> dict[str, Any]:
    feature = matched if matched.startswith("context:") else f"rule:{matched}"
    return {"feature": feature, "weight": 1.0, "head": head}
