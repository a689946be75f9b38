"""Training in the app: bootstrap data plus every triager's correction, evaluated on a
held-out slice, activated only when it is not worse than the active model."""
from __future__ import annotations

import logging
from typing import Any

import pandas as pd
from sklearn.model_selection import train_test_split
from sqlalchemy import select

from ml import TriageModel
from ml.evaluate import evaluation_report
from triage.extensions import db
from triage.models import Event, Feedback, ModelVersion, User
from triage.services import DomainError, classify

log = logging.getLogger(__name__)
HEADS = ("category", "impact", "urgency")
CORRECTION_WEIGHT = 5.0  # one triager's correction counts as much as five bootstrap rows


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


def evaluate(model: TriageModel, frame: pd.DataFrame) -> dict[str, Any]:
    """Scores per head on labelled rows: macro-F1, per class, confusion matrix, reliability."""
    predictions = model.predict(frame.to_dict("records"))
    report = {}
    for head in HEADS:
        if head not in frame.columns:
            continue
        mask = frame[head].notna().to_numpy()
        if not mask.any():
            continue
        y_true = frame[head][mask].astype(str).tolist()
        chosen = [p for p, keep in zip(predictions, mask) if keep]
        y_pred = [getattr(p, head) for p in chosen]
        proba = [getattr(p, f"{head}_proba")[getattr(p, head)] for p in chosen]
        report[head] = evaluation_report(y_true, y_pred, proba)
    return report


def score(report: dict[str, Any]) -> float:
    """The number versions are compared by: the category head's macro-F1."""
    return float(report.get("category", {}).get("macro_f1", 0.0))


def split(frame: pd.DataFrame, holdout: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A held-out slice, stratified by category where every category has two rows or more."""
    labels = frame["category"].fillna("(none)") if "category" in frame.columns else None
    stratify = labels if labels is not None and labels.value_counts().min() >= 2 else None
    return train_test_split(frame, test_size=holdout, random_state=seed, stratify=stratify)


def train(bootstrap: pd.DataFrame | None, actor: User | None = None, holdout: float = 0.2,
          seed: int = 0, evaluation: pd.DataFrame | None = None) -> ModelVersion:
    """Fit a candidate on bootstrap rows plus corrections, evaluate it and the active model on
    the same rows (a held-out slice, or `evaluation` when given, which then trains on all),
    save it and activate it unless it scores worse. Flushes."""
    corrections = corrections_frame()
    frames = [f for f in (bootstrap, corrections) if f is not None and not f.empty]
    if not frames:
        raise DomainError("No training data: give a data folder or CSV, or correct some items first.")
    frame = pd.concat(frames, ignore_index=True)
    weights = pd.Series([1.0] * (len(frame) - len(corrections)) + [CORRECTION_WEIGHT] * len(corrections))
    frame["_weight"] = weights
    train_rows, test_rows = (frame, evaluation) if evaluation is not None else split(frame, holdout, seed)
    model = TriageModel.fit(train_rows.drop(columns="_weight"), sample_weight=train_rows["_weight"])
    candidate = evaluate(model, test_rows)
    current = classify.active_model()
    baseline = evaluate(current, test_rows) if current is not None else None
    model.save(classify.model_folder() / model.version)
    version = ModelVersion(
        version=model.version, path=model.version, n_rows=len(train_rows), n_corrections=len(corrections),
        metrics={"holdout": candidate, "active_on_same_holdout": baseline, "holdout_rows": len(test_rows)},
        trained_by_id=actor.id if actor else None)
    db.session.add(version)
    db.session.flush()
    if baseline is None or score(candidate) >= score(baseline):
        activate(version)
    return version


def activate(version: ModelVersion) -> None:
    """Make this version the one the app predicts with (also used to roll back)."""
    for other in db.session.scalars(select(ModelVersion).where(ModelVersion.active)):
        other.active = False
    db.session.flush()
    version.active = True
    db.session.flush()
