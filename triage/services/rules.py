"""The cold-start keyword rules that admins edit (used until a model is trained)."""
from __future__ import annotations

from sqlalchemy import func, select

from ml import DEFAULT_RULES, KeywordRules
from triage.extensions import db
from triage.models import KeywordRule
from triage.services import DomainError, NotFound


def next_position() -> int:
    return (db.session.scalar(select(func.max(KeywordRule.position))) or 0) + 1


def add_rule(pattern: str, category: str | None, impact: str | None, urgency: str | None) -> KeywordRule:
    """Append a rule after validating it with ml's own check (bad regex, unknown label)."""
    rule = {"pattern": pattern, "category": category, "impact": impact, "urgency": urgency}
    if not (category or impact or urgency):
        raise DomainError("A rule must set at least one of category, impact or urgency.")
    try:
        KeywordRules.validate([rule])
    except ValueError as error:
        raise DomainError(str(error)) from error
    stored = KeywordRule(position=next_position(), **rule)
    db.session.add(stored)
    db.session.flush()
    return stored


def delete_rule(rule_id: int) -> None:
    rule = db.session.get(KeywordRule, rule_id)
    if rule is None:
        raise NotFound(f"No keyword rule {rule_id}.")
    db.session.delete(rule)
    db.session.flush()


def load_defaults() -> int:
    """Copy ml's documented default rules into the editable list; returns how many."""
    for rule in DEFAULT_RULES:
        db.session.add(KeywordRule(position=next_position(), **rule))
        db.session.flush()
    return len(DEFAULT_RULES)
