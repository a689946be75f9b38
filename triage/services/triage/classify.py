"""The classifier in the app: predict for items, store the answer, take corrections (ml is reached
through `ml_bridge`).

The active model is loaded lazily, once per process, and reloaded only when another
version becomes active. Every prediction passes through ml's rulebook (junk, the default
rules an admin left on, the admins' keyword rules, the submitter's bounded severity), the
same as `python -m ml predict`: the app only supplies its admins' rules. With no model
trained yet, ml's cold-start KeywordRules give a first category. If the active model cannot
be loaded or fails, the item stays unclassified (category NULL) and the next sweep
(`pipeline.process_pending`) picks it up.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from triage.extensions import db
from triage.models import OPEN_STATUSES, Category, Event, Feedback, Level, ModelVersion, User, utcnow
from triage.services import DomainError, access, locks, snapshot
from triage.services.triage import rules
from triage.services.triage.ml_bridge import KeywordRules, ModelError, Prediction, TriageModel, priority_for

log = logging.getLogger(__name__)
_loaded: dict[str, Any] = {"version": None, "model": None}


def model_folder() -> Path:
    """Where the app writes models; nothing is ever loaded from elsewhere."""
    return Path(current_app.config.get("MODEL_FOLDER") or Path(current_app.instance_path) / "models")


def load_model(version: ModelVersion) -> TriageModel:
    """Load a version's files, refusing any path outside the model folder."""
    folder = model_folder().resolve()
    path = (folder / version.path).resolve()
    if folder not in path.parents:
        raise ModelError(f"model path {path} is outside {folder}")
    return TriageModel.load(path)


def active_version(session) -> ModelVersion | None:
    return session.scalar(select(ModelVersion).where(ModelVersion.active))


def active_model() -> TriageModel | None:
    """The active trained model, loaded once per process; None when none is active.

    Raises ModelError when the active version cannot be loaded.
    """
    version = snapshot.cached("model_version", active_version)
    if version is None:
        return None
    if _loaded["version"] != version.version:
        _loaded.update(model=load_model(version), version=version.version)
    return _loaded["model"]


def features(item: Feedback) -> dict[str, Any]:
    """What the model may look at: text plus the structured context of the item."""
    context = item.context or {}
    return {
        "title": item.title, "body": item.body, "channel": item.channel.value,
        "kind": item.kind.value, "severity": item.severity.value if item.severity else None,
        "survey_score": context.get("survey_score"), "star_rating": context.get("star_rating"),
        "votes": item.vote_count, "customer_tier": context.get("customer_tier"),
    }


def apply_prediction(item: Feedback, prediction: Prediction) -> None:
    """Store a prediction on the item with a "classified" Event; human corrections are kept."""
    if item.prediction.get("corrected"):
        return
    item.category, item.impact, item.urgency = prediction.category, prediction.impact, prediction.urgency
    item.priority, item.confidence = prediction.priority, prediction.confidence
    item.model_version, item.classified_at = prediction.model_version, utcnow()
    # Junk (keyboard mash, "test", a bare greeting, spam) is tagged so the board shows and filters it.
    item.tags = sorted(set(item.tags or []) | set(prediction.tags) | ({"junk"} if prediction.junk else set()))
    item.prediction = prediction.to_dict()
    db.session.add(Event(feedback=item, kind="classified", data={
        "category": item.category, "impact": item.impact, "urgency": item.urgency,
        "priority": item.priority, "confidence": item.confidence, "model": item.model_version}))


def classify_items(items: list[Feedback], flush: bool = True) -> int:
    """Predict for items in one batch; on failure they stay unclassified. Returns how many were
    classified. flush=False leaves the flush to the caller (intake stores a new item once)."""
    if not items:
        return 0
    try:
        model, rulebook, rows = active_model(), snapshot.cached("rulebook", rules.rulebook), [features(item) for item in items]
        predictions = (KeywordRules(rulebook).predict(rows) if model is None
                       else model.predict(rows, rulebook))
    except Exception:  # a broken model must never lose or reject an item
        log.exception("classification failed for %d items", len(items))
        return 0
    for item, prediction in zip(items, predictions):
        apply_prediction(item, prediction)
    if flush:
        db.session.flush()
    return len(items)


def pending_items(limit: int = 500) -> list[Feedback]:
    """Items with no category yet (left by a model failure, or imported), oldest first."""
    query = (select(Feedback).where(Feedback.category.is_(None), Feedback.quarantined.is_(False))
             .options(selectinload(Feedback.events))  # routing and SLA read the timelines
             .order_by(Feedback.id).limit(limit))
    return list(db.session.scalars(locks.skip_locked(query, Feedback)))


def reclassify(item: Feedback, actor: User, *, category: str, impact: str, urgency: str) -> bool:
    """A triager's correction: set the labels, derive the priority, record old -> new.

    The corrected item becomes a training label and is never overwritten by the model.
    Returns whether anything changed.
    """
    if category not in set(Category) or impact not in set(Level) or urgency not in set(Level):
        raise DomainError("Choose a known category, impact and urgency.")
    old = {"category": item.category, "impact": item.impact, "urgency": item.urgency, "priority": item.priority}
    new = {"category": category, "impact": impact, "urgency": urgency, "priority": priority_for(impact, urgency)}
    if old == new:
        return False
    item.category, item.impact, item.urgency, item.priority = category, impact, urgency, new["priority"]
    item.prediction = {**item.prediction, "corrected": True, "corrected_by": actor.id}
    db.session.add(Event(feedback=item, actor=actor, kind="reclassified", data={"from": old, "to": new}))
    db.session.flush()
    return True


def needs_review(item: Feedback) -> bool:
    """Low-confidence predictions that no human has confirmed yet."""
    threshold = current_app.config["REVIEW_CONFIDENCE"]
    return (item.category is None or (not item.prediction.get("corrected")
                                      and (item.confidence or 0.0) < threshold))


def review_queue(limit: int, viewer: User | None = None) -> list[Feedback]:
    """Open, uncorrected items the viewer may see, the least confident predictions first
    (uncertainty sampling)."""
    threshold = current_app.config["REVIEW_CONFIDENCE"]
    query = (select(Feedback)
             .where(Feedback.status.in_(OPEN_STATUSES), Feedback.quarantined.is_(False), *access.visible(viewer),
                    or_(Feedback.category.is_(None), Feedback.confidence < threshold))
             .order_by(Feedback.confidence.asc().nulls_first(), Feedback.id)
             .limit(limit * 2))
    return [item for item in db.session.scalars(query) if needs_review(item)][:limit]
