"""The one place where other trackers' labels become triage's labels.

Category: `bug`, `feature`, `question`, `other`; common synonyms are folded in
(`enhancement` and `feature request` -> feature, `support` -> question, `praise` -> other).

Impact and urgency (high / medium / low). No public data set has a true urgency label, so:

- `severity` (how badly the software is broken, Bugzilla's field) describes **impact**:
  blocker, critical, major -> high; normal -> medium; minor, trivial -> low. In Bugzilla
  `normal` is the default, so `major` is already above the default.
- `priority` (how soon the team wants it fixed) describes **urgency**: P1, P2 -> high; P3 ->
  medium; P4, P5 -> low; Jira's blocker, critical -> high; major -> medium; minor,
  trivial -> low. In Jira `major` *is* the default, hence medium here.
- A file with only one of the two fields uses it for both heads (Jira's single priority
  field mixes impact and urgency; Hadoop's `priority_3` groups are exactly this mapping).
- Explicit `impact` / `urgency` columns always win; they take high/medium/low (or a word
  from the tables above).
"""

from __future__ import annotations

import pandas as pd

from .vocabulary import LEVELS

CATEGORY_SYNONYMS: dict[str, str] = {
    "bug": "bug", "defect": "bug", "error": "bug", "problem": "bug",
    "feature": "feature", "enhancement": "feature", "feature request": "feature",
    "feature_request": "feature", "request": "feature", "improvement": "feature",
    "question": "question", "support": "question", "help": "question",
    "other": "other", "praise": "other", "none": "other", "rating": "other",
}

_IDENTITY = {level: level for level in LEVELS}

SEVERITY_TO_LEVEL: dict[str, str] = {
    **_IDENTITY, "blocker": "high", "critical": "high", "major": "high", "s1": "high",
    "normal": "medium", "s2": "medium", "s3": "medium",
    "minor": "low", "trivial": "low", "s4": "low",
}

PRIORITY_TO_LEVEL: dict[str, str] = {
    **_IDENTITY, "p1": "high", "p2": "high", "p3": "medium", "p4": "low", "p5": "low",
    "highest": "high", "blocker": "high", "critical": "high", "urgent": "high",
    "major": "medium", "normal": "medium",
    "minor": "low", "trivial": "low", "lowest": "low",
}


def _normalise(values: pd.Series) -> pd.Series:
    return values.astype("object").where(values.notna()).map(
        lambda v: str(v).strip().lower() if v is not None and v == v else None
    )


def map_values(values: pd.Series, mapping: dict[str, str], column: str) -> pd.Series:
    """Map raw label values through `mapping`; empty stays None; an unknown value raises ValueError."""
    clean = _normalise(values)
    clean = clean.where(clean != "", None)
    unknown = sorted({v for v in clean.dropna().unique() if v not in mapping})
    if unknown:
        raise ValueError(
            f"column {column!r} has values triage cannot map: {', '.join(unknown[:10])}; "
            f"accepted: {', '.join(sorted(mapping))}"
        )
    return clean.map(lambda v: mapping.get(v) if v is not None else None)


def impact_and_urgency(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Return (impact, urgency) label series for a raw frame, following the module's rules."""
    none = pd.Series([None] * len(frame), index=frame.index, dtype="object")
    severity = (map_values(frame["severity"], SEVERITY_TO_LEVEL, "severity")
                if "severity" in frame else None)
    priority = (map_values(frame["priority"], PRIORITY_TO_LEVEL, "priority")
                if "priority" in frame else None)
    impact = severity if severity is not None else priority
    urgency = priority if priority is not None else severity
    if "impact" in frame:
        impact = map_values(frame["impact"], SEVERITY_TO_LEVEL, "impact")
    if "urgency" in frame:
        urgency = map_values(frame["urgency"], PRIORITY_TO_LEVEL, "urgency")
    return (impact if impact is not None else none,
            urgency if urgency is not None else none.copy())
