"""Training in the app: the starter corpus's training split, any extra labelled data, and
every triager's correction; scored on rows it never saw (the corpus's validation split and
a held-out share of the corrections), activated only when it is not worse than the active
model on the same rows."""
from __future__ import annotations

import logging
from typing import Any

import pandas as pd
from sklearn.model_selection import train_test_split
from sqlalchemy import select

from triage.extensions import db
from triage.models import Event, Feedback, ModelVersion, User
from triage.services import DomainError
from triage.services.triage import classify, rules
from triage.services.triage.ml_bridge import TriageModel, holdout_scores, load_corpus

log = logging.getLogger(__name__)
CORRECTION_WEIGHT = 5.0  # one triager's correction counts as much as five corpus rows
MIN_CORRECTIONS_TO_HOLD_OUT = 10
# A candidate within this much of the active model's score counts as "not worse": a few
# corrections of a team's own kind may cost a point on the corpus and still be wanted.
ACTIVATION_TOLERANCE = 0.01


def corrections_frame() -> pd.DataFrame:
    """Every item a triager reclassified, as a training row with its current labels."""
    corrected_ids = select(Event.feedback_id).where(Event.kind == "reclassified").distinct()
    items = db.session.scalars(select(Feedback).where(Feedback.id.in_(corrected_ids))).all()
    rows = []
    for item in items:
        row = classify.features(item)
        row.update(text=f"{item.title}\n\n{item.body}", category=item.category,
                   impact=item.impact, urgency=item.urgency)
        rows.append(row)
    return pd.DataFrame(rows)


def evaluate(model: TriageModel | None, frame: pd.DataFrame) -> dict[str, Any] | None:
    """Held-out scores (per head, priority, junk) with the rules in force; None without a model."""
    if model is None or frame.empty:
        return None
    return holdout_scores(model, frame, rules.rulebook())


def score(report: dict[str, Any]) -> float:
    """The number versions are compared by: the category head's macro-F1."""
    return float(report.get("category", {}).get("macro_f1", 0.0))


def _hold_out(corrections: pd.DataFrame, holdout: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split corrections into training and held-out rows (all trained on while they are few)."""
    if len(corrections) < MIN_CORRECTIONS_TO_HOLD_OUT:
        return corrections, corrections.iloc[0:0]
    return train_test_split(corrections, test_size=holdout, random_state=seed)


def train(extra: pd.DataFrame | None = None, actor: User | None = None, holdout: float = 0.2,
          seed: int = 0, evaluation: pd.DataFrame | None = None, corpus: bool = True) -> ModelVersion:
    """Fit a candidate on the corpus's training split (unless `corpus` is False), `extra` rows
    and the corrections (each worth CORRECTION_WEIGHT rows); score it and the active model on
    rows neither saw (`evaluation` when given, else the corpus's validation split plus a
    `holdout` share of the corrections, and of `extra` when there is no corpus); save it and
    activate it unless it scores worse. Flushes."""
    starter = load_corpus() if corpus else None
    corrections = corrections_frame()
    kept, held = _hold_out(corrections, holdout, seed)
    if starter is None and evaluation is None and extra is not None and len(extra) >= MIN_CORRECTIONS_TO_HOLD_OUT:
        extra, extra_held = train_test_split(extra, test_size=holdout, random_state=seed)
        held = pd.concat([held, extra_held], ignore_index=True)
    base = [f for f in (None if starter is None else starter[starter["split"] == "train"], extra)
            if f is not None and not f.empty]
    if not base and kept.empty:
        raise DomainError("No training data: give a data folder or CSV, or correct some items first.")
    frame = pd.concat(base + [kept], ignore_index=True)
    weights = [1.0] * (len(frame) - len(kept)) + [CORRECTION_WEIGHT] * len(kept)
    if evaluation is None:
        parts = [] if starter is None else [starter[starter["split"] == "validation"]]
        evaluation = pd.concat(parts + [held], ignore_index=True) if parts or not held.empty else None
    if evaluation is None or evaluation.empty:
        raise DomainError("Nothing to score the model on: train with the corpus, or correct more items.")
    model = TriageModel.fit(frame, sample_weight=weights)
    candidate, baseline = evaluate(model, evaluation), evaluate(classify.active_model(), evaluation)
    model.save(classify.model_folder() / model.version)
    version = ModelVersion(
        version=model.version, path=model.version, n_rows=len(frame), n_corrections=len(corrections),
        metrics={"holdout": candidate, "active_on_same_holdout": baseline, "holdout_rows": len(evaluation)},
        trained_by_id=actor.id if actor else None)
    db.session.add(version)
    db.session.flush()
    if baseline is None or score(candidate) >= score(baseline) - ACTIVATION_TOLERANCE:
        activate(version)
    return version


def model_versions() -> list[ModelVersion]:
    """Every trained version, newest first."""
    return list(db.session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc())))


def activate(version: ModelVersion) -> None:
    """Make this version the one the app predicts with (also used to roll back)."""
    for other in db.session.scalars(select(ModelVersion).where(ModelVersion.active)):
        other.active = False
    db.session.flush()
    version.active = True
    db.session.flush()
