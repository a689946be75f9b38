"""Routing: the first matching active rule sends an item to a team, and maybe to a person.

Rules are kept in order (position); each has conditions (all must hold) and an action:
a team plus a strategy inside it: nobody in particular, a fixed assignee, round robin
(the rotation persists in Team.last_assigned_user_id) or the member with the fewest open
items. Items no rule matches go to their project's default team. Applied on intake and
on reclassification; every application is an Event("routed") naming the rule.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from triage.extensions import db
from triage.models import (
    OPEN_STATUSES,
    Category,
    Channel,
    Event,
    Feedback,
    Kind,
    Priority,
    RoutingRule,
    Strategy,
    Team,
    TeamMember,
    TeamRole,
    User,
)
from triage.services import DomainError, locks, snapshot

CONDITION_KEYS = ("project_id", "channel", "kind", "category", "priority", "tag", "keyword", "pattern")


@lru_cache(maxsize=512)
def compiled(pattern: str) -> re.Pattern:
    """Patterns match case-insensitively anywhere in the title and body."""
    return re.compile(pattern, re.IGNORECASE)


def matches(conditions: dict[str, Any], item: Feedback) -> bool:
    """True when every condition the rule sets holds for the item (no conditions: always)."""
    text = f"{item.title}\n{item.body or ''}"
    checks = {
        "project_id": lambda v: item.project_id == int(v),
        "channel": lambda v: item.channel.value == v,
        "kind": lambda v: item.kind.value == v,
        "category": lambda v: item.category == v,
        "priority": lambda v: item.priority == v,
        "tag": lambda v: v.lower() in {t.lower() for t in item.tags or []},
        "keyword": lambda v: v.lower() in text.lower(),
        "pattern": lambda v: compiled(v).search(text) is not None,
    }
    return all(checks[key](value) for key, value in conditions.items() if key in checks and value not in (None, ""))


def ordered_rules(active_only: bool = True, session: Session | None = None) -> list[RoutingRule]:
    """The rules in their order, with what applying one reads (team, members, assignee) loaded
    in one statement rather than one per team and per person."""
    query = (select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)
             .options(joinedload(RoutingRule.assignee),
                      joinedload(RoutingRule.team).joinedload(Team.memberships).joinedload(TeamMember.user)))
    return list((session or db.session).scalars(query.where(RoutingRule.active) if active_only else query).unique())


@dataclass(frozen=True)
class Plan:
    """What routing a new item reads: the active rules in order and every team by id, with
    their members (cached per process by `snapshot`, detached: read only)."""

    rules: list[RoutingRule]
    teams: dict[int, Team]


def load_plan(session: Session) -> Plan:
    rules = ordered_rules(session=session)
    teams = session.scalars(select(Team).options(joinedload(Team.memberships).joinedload(TeamMember.user))).unique()
    return Plan(rules, {team.id: team for team in teams})


def route_new(item: Feedback) -> RoutingRule | None:
    """Route a new item as `route` does (the caller flushes), reading the rules and teams from
    the per-process snapshot: no query but the round-robin turn."""
    plan = snapshot.cached("routing", load_plan)
    rule = next((r for r in plan.rules if matches(r.conditions, item)), None)
    team = rule.team if rule else plan.teams.get(item.project.default_team_id)
    if team is not None:
        assignee = pick_assignee(rule, team)
        send(item, rule, snapshot.attach(team), snapshot.attach(assignee), None)
    return rule


def assigned_by_hand(item: Feedback) -> bool:
    """A person's assignment wins over the rules (a reclassification does not undo it).
    Reads the item's timeline, which the SLA step reads too (loaded once per item)."""
    return any(e.kind == "assigned" and e.actor_id is not None for e in item.events)


def route(item: Feedback, actor: User | None = None, flush: bool = True) -> RoutingRule | None:
    """Give the item the team and assignee of the first matching active rule, or its project's
    default team (flushes); returns the rule. Items assigned by hand are left alone.
    Intake passes flush=False to store the item once with all it gained."""
    if assigned_by_hand(item):
        return None
    rule, team = destination(item, ordered_rules())
    if team is not None:
        send(item, rule, team, pick_assignee(rule, team), actor)
    if flush:
        db.session.flush()
    return rule


def route_batch(items: list[Feedback], rules: list[RoutingRule]) -> None:
    """Route a worker's batch as `route` does each item (the caller flushes), taking the
    round-robin turns of each team for the whole batch at once."""
    plans = [(item, *destination(item, rules)) for item in items if not assigned_by_hand(item)]
    plans = [(item, rule, team) for item, rule, team in plans if team is not None]
    rotating = Counter(team for _, rule, team in plans if rule and rule.strategy == Strategy.ROUND_ROBIN)
    turns = {team: iter(take_turns(team, count)) for team, count in rotating.items()}
    for item, rule, team in plans:
        in_turn = rule is not None and rule.strategy == Strategy.ROUND_ROBIN
        send(item, rule, team, next(turns[team], None) if in_turn else pick_assignee(rule, team), None)


def destination(item: Feedback, rules: list[RoutingRule]) -> tuple[RoutingRule | None, Team | None]:
    """The first matching rule and its team, or no rule and the project's default team."""
    rule = next((r for r in rules if matches(r.conditions, item)), None)
    return rule, rule.team if rule else item.project.default_team


def send(item: Feedback, rule: RoutingRule | None, team: Team, assignee: User | None, actor: User | None) -> None:
    item.team, item.assignee = team, assignee
    db.session.add(Event(feedback=item, actor=actor, kind="routed", data={
        "rule_id": rule.id if rule else None, "rule": rule.name if rule else "project default team",
        "team": team.name, "assignee": assignee.email if assignee else None}))


def candidates(team: Team) -> list[User]:
    """Who can take items: the team's active members and leads (managers only escalate)."""
    people = [m.user for m in team.memberships if m.role != TeamRole.MANAGER and m.user.active]
    return sorted(people, key=lambda u: u.id)


def pick_assignee(rule: RoutingRule | None, team: Team) -> User | None:
    strategy = rule.strategy if rule else Strategy.NONE
    if strategy == Strategy.FIXED:
        return rule.assignee
    if strategy == Strategy.ROUND_ROBIN:
        return round_robin(team)
    if strategy == Strategy.LEAST_LOADED:
        return least_loaded(team)
    return None


def round_robin(team: Team) -> User | None:
    """The member after the team's last pick (by user id, wrapping around); remembers the pick."""
    picks = take_turns(team, 1)
    return picks[0] if picks else None


# The rotation is the candidates' ids in order; one statement moves the team's last pick
# `count` places on from wherever it is and returns it, under the row lock the UPDATE takes
# (FOR NO KEY UPDATE: compatible with the KEY SHARE lock an item's insert holds on the team).
ADVANCE = text(
    "UPDATE teams SET last_assigned_user_id = (CAST(:ids AS integer[]))[CAST((("
    "SELECT count(*) FROM unnest(CAST(:ids AS integer[])) AS taken(id)"
    " WHERE taken.id <= coalesce(teams.last_assigned_user_id, 0)) + :count - 1) % :n AS integer) + 1]"
    " WHERE teams.id = :team RETURNING last_assigned_user_id")


# The same on SQLite, where the ids come as a JSON array (json_each numbers them from 0).
ADVANCE_SQLITE = text(
    "UPDATE teams SET last_assigned_user_id = (SELECT taken.value FROM json_each(:ids) AS taken WHERE taken.key = (("
    "SELECT count(*) FROM json_each(:ids) AS seen WHERE seen.value <= coalesce(teams.last_assigned_user_id, 0))"
    " + :count - 1) % :n) WHERE teams.id = :team RETURNING last_assigned_user_id")


def take_turns(team: Team, count: int) -> list[User]:
    """The next `count` people in the team's rotation; remembers the last of them.

    On PostgreSQL the turns are taken and stored in their own short transaction on a second
    connection, so the team row is locked for microseconds rather than for the rest of the
    intake (or a worker's whole batch), which would queue every other intake behind it. A
    rolled-back intake may thus skip a turn. SQLite serialises writers anyway: there the turns
    are part of the caller's transaction.
    """
    people = candidates(team)
    if not people:
        return []
    ids = [u.id for u in people]
    if locks.is_sqlite():  # in the caller's transaction: the turn is read where it is stored, not from a copy
        last = (db.session.execute(ADVANCE_SQLITE, {"ids": json.dumps(ids), "count": count, "n": len(ids),
                                                    "team": team.id}).scalar() if team.id is not None else None)
    else:
        with db.engine.begin() as connection:
            # Losing the last step of the rotation in a crash is harmless: skip the wait for the disk.
            connection.execute(text("SET LOCAL synchronous_commit TO OFF"))
            last = connection.execute(ADVANCE, {"ids": ids, "count": count, "n": len(ids), "team": team.id}).scalar()
    if last is not None:  # None: a team made in this transaction, not stored yet: no one else sees it
        if team in db.session:  # the session's copy says what the table says, without a change to flush
            set_committed_value(team, "last_assigned_user_id", last)
        end = ids.index(last)
        return [people[(end - count + 1 + j) % len(people)] for j in range(count)]
    picks = []
    for _ in range(count):
        picks.append(next_in_turn(people, team.last_assigned_user_id))
        team.last_assigned_user_id = picks[-1].id
    return picks


def next_in_turn(people: list[User], last_id: int | None) -> User:
    """The first person with an id after `last_id`, wrapping around to the first."""
    return next((u for u in people if u.id > (last_id or 0)), people[0])


def least_loaded(team: Team) -> User | None:
    """The member with the fewest open items assigned (ties: lowest user id)."""
    people = candidates(team)
    counts = dict(db.session.execute(
        select(Feedback.assignee_id, func.count()).where(
            Feedback.assignee_id.in_([u.id for u in people]), Feedback.status.in_(OPEN_STATUSES))
        .group_by(Feedback.assignee_id)).all())
    return min(people, key=lambda u: (counts.get(u.id, 0), u.id), default=None)


def clean_conditions(conditions: dict[str, Any]) -> dict[str, Any]:
    """Drop empty conditions; refuse unknown keys, values and invalid regular expressions."""
    cleaned = {k: (v.strip() if isinstance(v, str) else v) for k, v in conditions.items() if v not in (None, "")}
    if unknown := set(cleaned) - set(CONDITION_KEYS):
        raise DomainError(f"Unknown conditions: {', '.join(sorted(unknown))}.")
    allowed = {"channel": {c.value for c in Channel}, "kind": {k.value for k in Kind},
               "priority": {p.value for p in Priority}, "category": {c.value for c in Category}}
    for key, values in allowed.items():
        if key in cleaned and cleaned[key] not in values:
            raise DomainError(f"{cleaned[key]!r} is not a valid {key}.")
    if "pattern" in cleaned:
        try:
            compiled(cleaned["pattern"])
        except re.error as error:
            raise DomainError(f"The pattern is not a valid regular expression: {error}.") from error
    return cleaned


def validate_rule(*, name: str, conditions: dict[str, Any], team_id: int | None, assignee_id: int | None,
                  strategy: Strategy) -> tuple[dict[str, Any], Team, User | None]:
    """Check a rule before saving: a name, valid conditions, a known team, and an assignee
    only with the fixed strategy and only from that team. Raises DomainError."""
    if not name.strip():
        raise DomainError("A rule needs a name.")
    cleaned = clean_conditions(conditions)
    team = db.session.get(Team, team_id) if team_id else None
    if team is None:
        raise DomainError("Choose a team that exists.")
    assignee = db.session.get(User, assignee_id) if assignee_id else None
    if strategy == Strategy.FIXED and assignee is None:
        raise DomainError("The fixed strategy needs an assignee.")
    if assignee is not None and strategy != Strategy.FIXED:
        raise DomainError("Name an assignee only with the fixed strategy.")
    if assignee is not None and assignee not in [m.user for m in team.memberships]:
        raise DomainError(f"{assignee.display_name} is not a member of team {team.name}.")
    return cleaned, team, assignee


def save_rule(rule: RoutingRule | None, *, name: str, conditions: dict[str, Any], team_id: int | None,
              assignee_id: int | None, strategy: Strategy, active: bool = True) -> RoutingRule:
    """Create (at the end of the list) or update a rule after validate_rule (flushes)."""
    cleaned, team, assignee = validate_rule(name=name, conditions=conditions, team_id=team_id,
                                            assignee_id=assignee_id, strategy=strategy)
    if rule is None:
        last = db.session.scalar(select(func.max(RoutingRule.position)))
        rule = RoutingRule(position=(last if last is not None else -1) + 1)
        db.session.add(rule)
    rule.name, rule.conditions, rule.team, rule.assignee = name.strip(), cleaned, team, assignee
    rule.strategy, rule.active = strategy, active
    db.session.flush()
    return rule


def move_rule(rule: RoutingRule, offset: int) -> None:
    """Move a rule one place up (-1) or down (+1) in the order (flushes)."""
    rules = ordered_rules(active_only=False)
    index = rules.index(rule)
    target = min(max(index + offset, 0), len(rules) - 1)
    rules.insert(target, rules.pop(index))
    for position, each in enumerate(rules):
        each.position = position
    db.session.flush()
