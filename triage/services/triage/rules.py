"""The rules every prediction passes through (ml/rules.py): ml's defaults, each of which an
admin can switch off, plus the admins' own keyword rules, which add to the defaults."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.extensions import db
from triage.models import DisabledDefaultRule, KeywordRule, User
from triage.services import DomainError, NotFound
from triage.services.triage.ml_bridge import DEFAULT_RULES, DefaultRule, Rulebook, validate_rules


def stored_rules(session: Session | None = None) -> list[KeywordRule]:
    """The admins' rules in their order."""
    return list((session or db.session).scalars(select(KeywordRule).order_by(KeywordRule.position, KeywordRule.id)))


def disabled_names(session: Session | None = None) -> set[str]:
    """Names of the default rules an admin switched off."""
    return set((session or db.session).scalars(select(DisabledDefaultRule.name)))


def rulebook(session: Session | None = None) -> Rulebook:
    """The rulebook in force: the defaults that are on plus the admins' rules (intake reads
    it through `snapshot.cached`, once per change)."""
    known = {rule.name for rule in DEFAULT_RULES}
    return Rulebook([r.as_dict() for r in stored_rules(session)], disabled_names(session) & known)


def defaults() -> list[tuple[DefaultRule, bool]]:
    """Every default rule with whether it is on."""
    off = disabled_names()
    return [(rule, rule.name not in off) for rule in DEFAULT_RULES]


def set_default(name: str, enabled: bool, actor: User | None = None) -> None:
    """Switch a default rule on or off (flushes)."""
    if name not in {rule.name for rule in DEFAULT_RULES}:
        raise NotFound(f"No default rule {name!r}.")
    row = db.session.get(DisabledDefaultRule, name)
    if enabled and row is not None:
        db.session.delete(row)
    elif not enabled and row is None:
        db.session.add(DisabledDefaultRule(name=name, disabled_by_id=actor.id if actor else None))
    db.session.flush()


def next_position() -> int:
    return (db.session.scalar(select(func.max(KeywordRule.position))) or 0) + 1


def add_rule(pattern: str, category: str | None, impact: str | None, urgency: str | None) -> KeywordRule:
    """Append a rule after validating it with ml's own check (bad regex, unknown label)."""
    rule = {"pattern": pattern, "category": category, "impact": impact, "urgency": urgency}
    if not (category or impact or urgency):
        raise DomainError("A rule must set at least one of category, impact or urgency.")
    try:
        validate_rules([rule])
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
