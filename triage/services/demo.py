"""Demo data that looks like a real week: a project, one account per role, reports drawn from
the starter corpus (ml/corpus, its validation split first: rows the model never trained on),
a model trained on the corpus's training split, and history: replies, notes, status changes,
a few corrections, a merged duplicate, votes on the public ideas. Open items are timed against
their SLA so that most are within it, some near it and a few breached."""
from __future__ import annotations

import random
import secrets
from datetime import timedelta

import pandas as pd
from sqlalchemy import func, select, update

from triage.extensions import db
from triage.models import (
    Category,
    Channel,
    Deadline,
    DeliveryChannel,
    DeliveryStatus,
    EscalationTarget,
    Event,
    Feedback,
    Kind,
    ModelVersion,
    Notification,
    Priority,
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
from triage.services import accounts
from triage.services.releases import demo as release_demo
from triage.services.triage import classify, policies, routing, sla
from triage.services.triage.ml_bridge import load_corpus
from triage.services import items as item_verbs
from triage.services.insights import theme_runs
from triage.services.items import votes

DEMO_USERS = [(Role.ADMIN, "admin@demo.test", "Ada Admin"),
              (Role.AGENT, "agent@demo.test", "Sam Support"),
              (Role.PM, "pm@demo.test", "Priya Product")]
# The demo app is one product, an online shop and the payments behind it: its reports come from
# these corpus domains only, so that its themes are ones a PM of that product would recognise.
DOMAINS = ("ecommerce", "payments")
# The demo PM follows the first theme named by one of these words (else the largest): the theme
# `flask triage replay-spike` bursts.
SPIKE_WORDS = ("payout", "refund", "checkout", "invoice")
NAMES = ["Alex", "Jordan", "Maria", "Chen", "Fatima", "Liam", "Noor", "Kenji", "Olga", "Tom"]
CHANNELS = {"form": Channel.FORM, "widget": Channel.WIDGET, "survey": Channel.SURVEY, "email": Channel.API}
KINDS = {"bug": Kind.BUG, "idea": Kind.IDEA, "feedback": Kind.FEEDBACK}
# Of the open items: within their SLA (share of the resolution target elapsed), near it, breached.
TIMING = ((0.80, 0.05, 0.6), (0.15, 0.75, 0.95), (0.05, 1.05, 1.6))
CLOSED_SHARE = 0.3
FIRST_REPLY_SHARE = 0.85
REPLIES = ("Thanks for telling us. We are looking into it and will update you here.",
           "Thank you, we can reproduce this and the team is on it.",
           "Thanks! We have passed this to the product team.",
           "Sorry about this. Could you tell us which version of the app you use?")


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


def corpus_rows(count: int, rng: random.Random) -> pd.DataFrame:
    """`count` corpus rows of the demo's domains (at most what they hold), validation split first
    (the model never saw them), then training rows."""
    corpus = load_corpus()
    corpus = corpus[corpus["id"].str.split("-").str[0].isin(DOMAINS)]
    order = pd.concat([corpus[corpus["split"] == "validation"].sample(frac=1, random_state=rng.randint(0, 10**6)),
                       corpus[corpus["split"] == "train"].sample(frac=1, random_state=rng.randint(0, 10**6))])
    return order.head(count).reset_index(drop=True)


def _text(value, limit: int) -> str:
    return "" if value is None or value != value else str(value)[:limit]


def seed_items(project: Project, rows: pd.DataFrame, rng: random.Random) -> list[Feedback]:
    """Store the corpus rows as items of the project, all created now (timed later)."""
    now, made = utcnow(), []
    for row in rows.itertuples():
        name = rng.choice(NAMES)
        body = _text(row.body, 20_000)
        title = _text(row.title, 200) or (body.split("\n", 1)[0][:80] or "(no title)")
        channel = CHANNELS.get(row.channel, Channel.FORM)
        item = Feedback(
            project=project, channel=channel, status=Status.NEW, created_at=now, updated_at=now,
            team=project.default_team, kind=(kind := KINDS.get(_text(row.kind, 20), Kind.FEEDBACK)), title=title,
            body=body, public=kind == Kind.IDEA,
            severity=Severity(_text(row.severity, 20)) if _text(row.severity, 20) else None, submitter_name=name,
            submitter_email=f"{name.lower()}{rng.randint(1, 99)}@example.com",
            context={"corpus_id": row.id, "truth": {"category": row.category, "impact": row.impact,
                                                    "urgency": row.urgency}})
        db.session.add(item)
        made.append(item)
    db.session.flush()
    return made


def time_items(found: list[Feedback], rng: random.Random) -> None:
    """Give each item a created time: some resolved or closed over the last weeks; the open ones
    within, near or past their resolution target as TIMING says; then their events and SLA."""
    now, policies_by_priority = utcnow(), sla.all_policies()
    for item in found:
        policy = policies_by_priority.get(item.priority or "")
        target = timedelta(minutes=policy.resolution_minutes if policy else 7 * 24 * 60)
        closed = rng.random() < CLOSED_SHARE
        if closed:
            age = timedelta(days=rng.uniform(2, 21))
        else:
            _, low, high = rng.choices(TIMING, weights=[t[0] for t in TIMING])[0]
            age = min(target * rng.uniform(low, high), timedelta(days=7 * 4))
        item.created_at = item.updated_at = now - age
        db.session.add(Event(feedback=item, kind="created", created_at=item.created_at,
                             data={"channel": item.channel.value}))
        for event in item.events:
            event.created_at = item.created_at
        routing.route(item)
        sla.apply_sla(item, policies_by_priority)
        if closed:
            item_verbs.change_status(item, rng.choice([Status.RESOLVED, Status.CLOSED]), None)
    db.session.flush()


def add_history(found: list[Feedback], agent, rng: random.Random) -> None:
    """What a team does in a week: replies and notes, work started, a few corrections where the
    model disagreed with the corpus's label, and one merged duplicate."""
    open_items = [i for i in found if i.status.is_open]
    now = utcnow()
    for item in open_items:  # most first replies went out in time
        if item.first_response_due and item.first_response_due < now and rng.random() < FIRST_REPLY_SHARE:
            reply_in_time(item, agent, rng)
    for item in rng.sample(open_items, min(8, len(open_items))):
        item_verbs.add_comment(item, agent, "Checked the logs: I can reproduce this on staging.", public=False)
        item_verbs.change_status(item, Status.IN_PROGRESS, agent)
    wrong = [i for i in open_items if i.category and (i.category, i.impact, i.urgency) != tuple(
        i.context["truth"][k] for k in ("category", "impact", "urgency"))]
    for item in wrong[:6]:
        truth = item.context["truth"]
        item_verbs.reclassify(item, agent, **truth)
    bugs = [i for i in open_items if i.category == Category.BUG and i.duplicate_of_id is None]
    if len(bugs) >= 2:
        item_verbs.merge(bugs[:2], agent)
    for item in [i for i in open_items if i.public and i.status.is_open]:  # end users' +1s
        for n in range(rng.choice([0, 0, 1, 2, 3, 5, 8])):
            votes.add_vote(item, browser=f"demo-visitor-{item.id}-{n}", source=rng.choice(["vote", "me_too"]))
    # The history's emails to submitters went out back then; the outbox starts empty.
    db.session.execute(update(Notification).where(Notification.status == DeliveryStatus.PENDING)
                       .values(status=DeliveryStatus.SENT, sent_at=now))


def reply_in_time(item: Feedback, agent, rng: random.Random) -> None:
    """A public reply dated within the item's first-response target."""
    comment = item_verbs.add_comment(item, agent, rng.choice(REPLIES), public=True)
    when = item.created_at + (item.first_response_due - item.created_at) * rng.uniform(0.2, 0.9)
    comment.created_at = item.first_responded_at = when
    for event in item.events:
        if event.kind == "replied" and event.data.get("comment_id") == comment.id:
            event.created_at = when


# Minutes to first response and to resolution per priority.
SLA_TARGETS = {Priority.P1: (60, 8 * 60), Priority.P2: (4 * 60, 24 * 60), Priority.P3: (8 * 60, 3 * 24 * 60),
               Priority.P4: (24 * 60, 7 * 24 * 60), Priority.P5: (2 * 24 * 60, 14 * 24 * 60)}


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
    routing.save_rule(None, name="Urgent bugs to an agent",
                      conditions={"category": Category.BUG.value, "priority": Priority.P1.value},
                      team_id=team.id, assignee_id=None, strategy=Strategy.ROUND_ROBIN)


def follow_spike_theme(project: Project) -> None:
    """The demo PM follows the theme the demo's spike bursts (see SPIKE_WORDS)."""
    from triage.services.insights import page, themes

    sized = [(theme, size) for theme, size in themes.themes_with_sizes(project.id) if size]
    named = [theme for word in SPIKE_WORDS for theme, size in sized
             if size >= 5 and any(word in phrase for phrase in theme.phrases)]
    if named or sized:
        page.follow(named[0] if named else max(sized, key=lambda pair: pair[1])[0],
                    accounts.find_user("pm@demo.test"), True)


def seed(count: int, seed_value: int = 7) -> list[tuple[str, str, str]]:
    """Create the demo project and staff; unless it has items, train and activate a model on
    the corpus when none is active, then add `count` corpus reports with a week's history and
    group them into themes."""
    from triage.services.triage import training

    logins = ensure_staff()
    project = db.session.scalar(select(Project).where(Project.slug == "demo"))
    if project is None:
        project = accounts.create_project("demo", "Demo App", accounts.find_team("Support"))
    existing = db.session.scalar(select(func.count()).select_from(Feedback).where(Feedback.project_id == project.id))
    if existing:
        return logins
    ensure_workflow(project.default_team)
    if db.session.scalar(select(ModelVersion).where(ModelVersion.active)) is None:
        training.train()
    rng = random.Random(seed_value)
    rows = corpus_rows(count, rng)
    # Part of the reports come from three app versions, the last a bad one (release health).
    for_releases = release_demo.release_rows(rows) if count >= 2 * release_demo.BUGS_NEEDED else rows.head(0)
    found = seed_items(project, rows.drop(for_releases.index), rng)
    classify.classify_items(found)
    time_items(found, rng)
    agent = accounts.find_user("agent@demo.test")
    add_history(found, agent, rng)
    # About eight reports a theme: the automatic k (sqrt(n/2)) lumps a small demo into a few themes.
    theme_runs.run_themes(project, k=max(3, len(found) // 8))
    follow_spike_theme(project)
    if len(for_releases):
        release_demo.seed_releases(project, for_releases, agent, rng)
    return logins
