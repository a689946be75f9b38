"""Spikes: a theme or a category whose count today is far above its own baseline (a z-score on
the daily counts, with floors: figures.SpikeRule) opens a SpikeAlert, and the theme's
followers are told by email, and webhooks subscribed to "spike" by a signed POST, through the
outbox in the same transaction. One open alert per subject; a subject that alerted stays quiet
for the cooldown; an open alert closes once its subject is back under the threshold.
Verbs flush; the worker's spike pass commits per project."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select

from triage.extensions import db
from triage.models import DeliveryChannel, Project, SpikeAlert, Theme, ThemeFollower, User, Webhook, utcnow
from triage.services.delivery import notify
from triage.services.insights import aggregates, figures
from triage.services.insights.figures import SpikeRule

EVENT = "spike"


def rule() -> SpikeRule:
    """The rule, with the app's SPIKE_* settings where given."""
    config = current_app.config
    defaults = SpikeRule()
    return SpikeRule(**{name: type(getattr(defaults, name))(config.get(f"SPIKE_{name.upper()}", getattr(defaults, name)))
                        for name in defaults.__dataclass_fields__})


@dataclass
class SpikeSummary:
    opened: int = 0
    closed: int = 0
    notified: int = 0


def check_project(project: Project, today: date | None = None, now: datetime | None = None,
                  spike_rule: SpikeRule | None = None) -> SpikeSummary:
    """Open alerts for the project's subjects spiking today and close the calmed ones (flushes)."""
    now, spike_rule = now or utcnow(), spike_rule or rule()
    today = today or now.date()
    counts = aggregates.subject_counts(project.id, today - timedelta(days=spike_rule.baseline_days), today)
    scores = {s["key"]: s for s in figures.spike_scores(counts, today, spike_rule)}
    summary = SpikeSummary()
    recent = now - timedelta(days=spike_rule.cooldown_days)
    alerts = list(db.session.scalars(select(SpikeAlert).where(
        SpikeAlert.project_id == project.id, or_(SpikeAlert.status == "open", SpikeAlert.created_at >= recent))))
    for alert in alerts:
        if alert.status == "open" and not scores.get(alert.key, {}).get("spike"):
            alert.status, alert.closed_at = "closed", now
            summary.closed += 1
    quiet = {a.key for a in alerts}  # open, or alerted within the cooldown
    for key, score in sorted(scores.items()):
        if score["spike"] and key not in quiet:
            alert = open_alert(project, key, today, score, now)
            if alert is not None:
                summary.opened += 1
                summary.notified += tell(alert)
    db.session.flush()
    return summary


def open_alert(project: Project, key: str, today: date, score: dict, now: datetime) -> SpikeAlert | None:
    kind, _, value = key.partition(":")
    theme = db.session.get(Theme, int(value)) if kind == "theme" else None
    if kind == "theme" and theme is None:
        return None  # deleted since it was counted
    alert = SpikeAlert(project_id=project.id, key=key, theme=theme, category=value if kind == "category" else None,
                       day=today, count=score["count"], baseline_mean=score["mean"], baseline_std=score["std"],
                       z=score["z"], status="open", created_at=now)
    db.session.add(alert)
    db.session.flush()
    return alert


def message(alert: SpikeAlert) -> tuple[str, str]:
    link = notify.absolute_url("insights.index", project=alert.project_id, days=7)
    subject = f"Spike in {alert.subject}: {alert.count} items today"
    text = (f"{alert.subject.capitalize()} of project {alert.project.name} has {alert.count} items on {alert.day}, "
            f"against {alert.baseline_mean:.1f} ± {alert.baseline_std:.1f} a day before (z = {alert.z:.1f}).\n"
            f"See it: {link}\n")
    return subject, text


def tell(alert: SpikeAlert) -> int:
    """Queue an email per active follower of the alert's theme and a POST per webhook
    subscribed to "spike"; returns how many were queued."""
    subject, text = message(alert)
    data = {"event": EVENT, "alert_id": alert.id, "project_id": alert.project_id, "theme_id": alert.theme_id,
            "category": alert.category, "day": alert.day.isoformat(), "count": alert.count, "z": alert.z}
    queued = 0
    for user in followers(alert.theme_id) if alert.theme_id else []:
        queued += notify.enqueue(dedupe_key=f"spike:{alert.id}:u{user.id}", channel=DeliveryChannel.EMAIL,
                                 recipient=user.email, subject=subject, text=text, data=data) is not None
    for hook in db.session.scalars(select(Webhook).where(Webhook.active.is_(True))):
        if EVENT in (hook.events or []):
            queued += notify.enqueue(dedupe_key=f"spike:{alert.id}:wh{hook.id}", channel=DeliveryChannel.WEBHOOK,
                                     recipient=hook.url, subject=subject, text=text, webhook=hook,
                                     data=data) is not None
    return queued


def followers(theme_id: int) -> list[User]:
    return list(db.session.scalars(select(User).join(ThemeFollower, ThemeFollower.user_id == User.id)
                                   .where(ThemeFollower.theme_id == theme_id, User.active.is_(True))
                                   .order_by(User.id)))


def project_ids() -> list[int]:
    return list(db.session.scalars(select(Project.id).order_by(Project.id)))
