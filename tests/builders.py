"""Small builders for routing, SLA and escalation tests: a team with roles, a policy with
the usual three tiers, items with a priority."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache

from werkzeug.security import generate_password_hash

from tests.conftest import PASSWORD
from triage.extensions import db
from triage.models import (
    Deadline,
    DeliveryChannel,
    EscalationTarget,
    EscalationTier,
    Feedback,
    Project,
    Role,
    SlaPolicy,
    Team,
    TeamMember,
    TeamRole,
    User,
    utcnow,
)
from triage.services.triage import sla


LONG_AGO = datetime(2020, 1, 1, tzinfo=timezone.utc)


@lru_cache(maxsize=1)
def password_hash() -> str:
    return generate_password_hash(PASSWORD, method="scrypt")


def person(email: str, role: Role = Role.AGENT) -> User:
    """A user who can sign in with PASSWORD; the hash is computed once, keeping tests fast."""
    user = User(email=email, name=email.split("@")[0], role=role, password_hash=password_hash())
    db.session.add(user)
    return user


def team_with_roles(name: str = "Support", members: int = 1, calendar: dict | None = None) -> Team:
    """A team with `members` agents, one lead and one manager (emails name-role-n@example.com)."""
    slug = name.lower()
    people = [(person(f"{slug}-agent-{n}@example.com"), TeamRole.MEMBER) for n in range(members)]
    people += [(person(f"{slug}-{role.value}@example.com"), role)
               for role in (TeamRole.LEAD, TeamRole.MANAGER)]
    team = Team(name=name, calendar=calendar or {})
    team.memberships = [TeamMember(user=user, role=role) for user, role in people]
    db.session.add(team)
    db.session.commit()
    return team


def policy(priority: str = "P1", first: int = 60, resolution: int = 240, business_hours: bool = False,
           tiers: tuple = ((75, EscalationTarget.ASSIGNEE), (100, EscalationTarget.LEAD),
                           (150, EscalationTarget.MANAGER)), active_since: datetime = LONG_AGO) -> SlaPolicy:
    """A policy whose resolution deadline escalates through the given (percent, target) tiers,
    active since `active_since` (long ago: every item's breaches are new to them)."""
    found = SlaPolicy(priority=priority, first_response_minutes=first, resolution_minutes=resolution,
                      business_hours=business_hours)
    for percent, target in tiers:
        found.tiers.append(EscalationTier(deadline=Deadline.RESOLUTION, threshold_percent=percent,
                                          target=target, channel=DeliveryChannel.EMAIL, active_since=active_since))
    db.session.add(found)
    db.session.commit()
    return found


def item(project: Project, created_at: datetime | None = None, priority: str | None = "P1",
         team: Team | None = None, **fields) -> Feedback:
    """A stored, classified item with its SLA applied as of its creation time."""
    fields.setdefault("category", "bug")  # classified: the sweep's classification pass leaves it alone
    found = Feedback(project=project, title=fields.pop("title", "Checkout is down"), priority=priority,
                     team=team, created_at=created_at or utcnow(), **fields)
    db.session.add(found)
    db.session.flush()
    sla.apply_sla(found)
    db.session.commit()
    return found
