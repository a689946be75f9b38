"""Demo data: a project, one account per role and a few hundred realistic items."""
from __future__ import annotations

import random
import secrets
from datetime import timedelta

from sqlalchemy import func, select

from triage.extensions import db
from triage.models import Channel, Event, Feedback, Kind, Project, Role, Severity, Status, utcnow
from triage.services import accounts

DEMO_USERS = [(Role.ADMIN, "admin@demo.test", "Ada Admin"),
              (Role.AGENT, "agent@demo.test", "Sam Support"),
              (Role.PM, "pm@demo.test", "Priya Product")]

AREAS = ["checkout", "login page", "search", "dashboard", "CSV export", "mobile app",
         "notifications", "settings page", "file upload", "billing page", "calendar sync"]
BUGS = ["{area} crashes when I click save", "Error 500 on the {area}",
        "{area} is very slow since the last release", "Can't log in after resetting my password",
        "Data on the {area} disappears after refresh", "Button on the {area} does nothing on Safari",
        "{area} shows the wrong time zone", "Duplicate emails from {area}"]
BUG_DETAILS = ["It started after yesterday's update.", "Happens every time, on Chrome and Firefox.",
               "Our whole team is blocked by this.", "Only happens with large accounts, it seems."]
IDEAS = ["Please add dark mode to the {area}", "Export the {area} to Excel",
         "Would be great to have keyboard shortcuts in the {area}", "Allow bulk editing in the {area}",
         "Integrate the {area} with Slack", "Let us schedule reports from the {area}"]
FEEDBACK = ["Love the new {area}, thank you!", "How do I change my email address?",
            "Is there a way to invite my team to the {area}?", "The {area} redesign is confusing",
            "Great support experience today", "Where can I find the API documentation?"]
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


def random_item(rng: random.Random) -> dict:
    """One plausible item: kind, title, body, severity and submitter."""
    kind = rng.choices([Kind.BUG, Kind.IDEA, Kind.FEEDBACK], weights=[5, 3, 2])[0]
    area = rng.choice(AREAS)
    pool = {Kind.BUG: BUGS, Kind.IDEA: IDEAS, Kind.FEEDBACK: FEEDBACK}[kind]
    title = rng.choice(pool).format(area=area)
    title = title[0].upper() + title[1:]
    body = rng.choice(BUG_DETAILS) if kind == Kind.BUG else f"About the {area}."
    name = rng.choice(NAMES)
    return dict(kind=kind, title=title, body=body,
                severity=rng.choice(list(Severity)) if kind == Kind.BUG else None,
                submitter_name=name, submitter_email=f"{name.lower()}{rng.randint(1, 99)}@example.com")


def seed(count: int, seed_value: int = 7) -> list[tuple[str, str, str]]:
    """Create the demo project and staff; add `count` items over 90 days unless it has items."""
    logins = ensure_staff()
    project = db.session.scalar(select(Project).where(Project.slug == "demo"))
    if project is None:
        project = accounts.create_project("demo", "Demo App", accounts.find_team("Support"))
    existing = db.session.scalar(select(func.count()).select_from(Feedback).where(Feedback.project_id == project.id))
    if existing:
        return logins
    rng, now = random.Random(seed_value), utcnow()
    for _ in range(count):
        created = now - timedelta(minutes=rng.randint(0, 90 * 24 * 60))
        status = rng.choices(list(Status), weights=[6, 3, 2, 1, 2, 1])[0]
        item = Feedback(project=project, channel=rng.choice([Channel.FORM, Channel.WIDGET, Channel.API]),
                        status=status, created_at=created, updated_at=created,
                        team=project.default_team, **random_item(rng))
        db.session.add(item)
        db.session.add(Event(feedback=item, kind="created", created_at=created,
                             data={"channel": item.channel.value}))
    db.session.flush()
    return logins
