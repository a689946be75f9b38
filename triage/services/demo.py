"""Demo data: a project, one account per role, a few hundred realistic items, and a model
trained on labelled rows generated from the same templates, so the demo shows real predictions."""
from __future__ import annotations

import random
import secrets
from datetime import timedelta

import pandas as pd
from sqlalchemy import func, select

from triage.extensions import db
from triage.models import (
    Channel,
    Deadline,
    DeliveryChannel,
    EscalationTarget,
    Event,
    Feedback,
    Kind,
    ModelVersion,
    Project,
    Role,
    Severity,
    SlaPolicy,
    Status,
    Strategy,
    TeamMember,
    TeamRole,
    utcnow,
)
from triage.services import accounts, classify, policies, routing, sla

DEMO_USERS = [(Role.ADMIN, "admin@demo.test", "Ada Admin"),
              (Role.AGENT, "agent@demo.test", "Sam Support"),
              (Role.PM, "pm@demo.test", "Priya Product")]

AREAS = ["checkout", "login page", "search", "dashboard", "CSV export", "mobile app",
         "notifications", "settings page", "file upload", "billing page", "calendar sync"]
# (template, kind chosen by the submitter, category, impact, urgency)
TEMPLATES = [
    ("{Area} crashes when I click save", Kind.BUG, "bug", "high", "high"),
    ("Error 500 on the {area}", Kind.BUG, "bug", "high", "medium"),
    ("{Area} is very slow since the last release", Kind.BUG, "bug", "medium", "medium"),
    ("Can't log in after resetting my password", Kind.BUG, "bug", "high", "high"),
    ("Data on the {area} disappears after refresh", Kind.BUG, "bug", "high", "high"),
    ("Button on the {area} does nothing on Safari", Kind.BUG, "bug", "medium", "medium"),
    ("{Area} shows the wrong time zone", Kind.BUG, "bug", "low", "medium"),
    ("Typo on the {area}", Kind.BUG, "bug", "low", "low"),
    ("Please add dark mode to the {area}", Kind.IDEA, "feature", "low", "low"),
    ("Export the {area} to Excel", Kind.IDEA, "feature", "medium", "low"),
    ("Would be great to have keyboard shortcuts in the {area}", Kind.IDEA, "feature", "low", "low"),
    ("Allow bulk editing in the {area}", Kind.IDEA, "feature", "medium", "low"),
    ("Integrate the {area} with Slack", Kind.IDEA, "feature", "medium", "medium"),
    ("Let us schedule reports from the {area}", Kind.IDEA, "feature", "low", "low"),
    ("How do I change my email address?", Kind.FEEDBACK, "question", "low", "medium"),
    ("Is there a way to invite my team to the {area}?", Kind.FEEDBACK, "question", "low", "low"),
    ("Where can I find the API documentation?", Kind.FEEDBACK, "question", "low", "low"),
    ("How can I reset the {area} settings?", Kind.FEEDBACK, "question", "low", "medium"),
    ("Love the new {area}, thank you!", Kind.FEEDBACK, "other", "low", "low"),
    ("Great support experience today", Kind.FEEDBACK, "other", "low", "low"),
    ("The {area} redesign is confusing", Kind.FEEDBACK, "other", "medium", "low"),
]
DETAILS = {
    "bug": ["It started after yesterday's update.", "Happens every time, on Chrome and Firefox.",
            "Our whole team is blocked by this.", "Only happens with large accounts, it seems."],
    "feature": ["It would save us a lot of time.", "Competitors already have this.", "Nice to have."],
    "question": ["I looked in the help center but found nothing.", "Thanks in advance."],
    "other": ["Keep up the good work.", "Just wanted to say this."],
}
NAMES = ["Alex", "Jordan", "Maria", "Chen", "Fatima", "Liam", "Noor", "Kenji", "Olga", "Tom"]


def ensure_staff() -> list[tuple[str, str, str]]:
    """Create (or reset the password of) one demo account per role; returns the logins."""
    team = accounts.find_team("Support") or accounts.create_team("Support")
    logins = []
    for role, email, name in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        user = accounts.find_user(email)
        if user is None:
            accounts.create_user(email, password, role, name, team if role == Role.AGENT else None)
        else:
            accounts.set_password(user, password)
        logins.append((role.value, email, password))
    return logins


def labelled_example(rng: random.Random) -> dict:
    """One plausible item with the labels a triager would give it."""
    template, kind, category, impact, urgency = rng.choice(TEMPLATES)
    if rng.random() < 0.3:
        kind = rng.choice(list(Kind))  # people often pick the wrong kind: the text must carry the call
    area = rng.choice(AREAS)
    detail = rng.choice(DETAILS[category])
    if "blocked" in detail:
        impact = urgency = "high"
    severity = None
    if kind == Kind.BUG:
        severity = {"high": Severity.HIGH, "medium": Severity.MEDIUM, "low": Severity.LOW}[urgency]
        if rng.random() < 0.2:
            severity = rng.choice(list(Severity))  # what users feel is noisy
    return dict(kind=kind, title=template.format(area=area, Area=area[0].upper() + area[1:]),
                body=detail, severity=severity, category=category, impact=impact, urgency=urgency)


def training_frame(rows: int, seed_value: int = 11) -> pd.DataFrame:
    """Labelled rows in ml's training format, generated from the demo templates."""
    rng = random.Random(seed_value)
    examples = [labelled_example(rng) for _ in range(rows)]
    return pd.DataFrame({
        "title": [e["title"] for e in examples], "body": [e["body"] for e in examples],
        "text": [f"{e['title']}\n\n{e['body']}" for e in examples],
        "kind": [e["kind"].value for e in examples],
        "severity": [e["severity"].value if e["severity"] else None for e in examples],
        "category": [e["category"] for e in examples], "impact": [e["impact"] for e in examples],
        "urgency": [e["urgency"] for e in examples],
    })


def seed_items(project: Project, count: int, rng: random.Random) -> list[Feedback]:
    now, made = utcnow(), []
    for _ in range(count):
        example = labelled_example(rng)
        created = now - timedelta(minutes=rng.randint(0, 90 * 24 * 60))
        name = rng.choice(NAMES)
        item = Feedback(
            project=project, channel=rng.choice([Channel.FORM, Channel.WIDGET, Channel.API]),
            status=rng.choices(list(Status), weights=[6, 3, 2, 1, 2, 1])[0], created_at=created,
            updated_at=created, team=project.default_team, kind=example["kind"], title=example["title"],
            body=example["body"], severity=example["severity"], submitter_name=name,
            submitter_email=f"{name.lower()}{rng.randint(1, 99)}@example.com")
        db.session.add(item)
        db.session.add(Event(feedback=item, kind="created", created_at=created,
                             data={"channel": item.channel.value}))
        made.append(item)
    db.session.flush()
    return made


# Minutes to first response and to resolution per priority.
SLA_TARGETS = {"P1": (60, 8 * 60), "P2": (4 * 60, 24 * 60), "P3": (8 * 60, 3 * 24 * 60),
               "P4": (24 * 60, 7 * 24 * 60), "P5": (2 * 24 * 60, 14 * 24 * 60)}


def ensure_workflow(team) -> None:
    """SLA policies with the usual three escalation tiers, the admin as the team's lead, and
    a rule that hands urgent bugs to the team's agents in turn."""
    if db.session.scalar(select(SlaPolicy).limit(1)) is not None:
        return
    for priority, (first, resolution) in SLA_TARGETS.items():
        policy = policies.save_policy(None, priority=priority, first_response_minutes=first,
                                      resolution_minutes=resolution, business_hours=False)
        for percent, target in ((75, EscalationTarget.ASSIGNEE), (100, EscalationTarget.LEAD),
                                (150, EscalationTarget.MANAGER)):
            policies.add_tier(policy, deadline=Deadline.RESOLUTION, threshold_percent=percent,
                              target=target, channel=DeliveryChannel.EMAIL, webhook_id=None)
    admin = accounts.find_user("admin@demo.test")
    team.memberships.append(TeamMember(user=admin, role=TeamRole.LEAD))
    routing.save_rule(None, name="Urgent bugs to an agent", conditions={"category": "bug", "priority": "P1"},
                      team_id=team.id, assignee_id=None, strategy=Strategy.ROUND_ROBIN)


def seed(count: int, seed_value: int = 7) -> list[tuple[str, str, str]]:
    """Create the demo project and staff; add `count` items over 90 days unless it has items;
    train and activate a model on generated data when none is active, and classify the items."""
    from triage.services import training

    logins = ensure_staff()
    project = db.session.scalar(select(Project).where(Project.slug == "demo"))
    if project is None:
        project = accounts.create_project("demo", "Demo App", accounts.find_team("Support"))
    existing = db.session.scalar(select(func.count()).select_from(Feedback).where(Feedback.project_id == project.id))
    if existing:
        return logins
    ensure_workflow(project.default_team)
    items = seed_items(project, count, random.Random(seed_value))
    if db.session.scalar(select(ModelVersion).where(ModelVersion.active)) is None:
        training.train(training_frame(600))
    classify.classify_items(items)
    for item in items:
        if item.status.is_open:
            routing.route(item)
            sla.apply_sla(item)
    return logins
