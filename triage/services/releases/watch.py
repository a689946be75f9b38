"""Watchers of releases, run by the worker's pass: fixes marked in a version are verified
against the reports that keep coming (a regression reopens the item and tells its owner
through the escalation rules), and a release whose verdict changes is told to the project's
followers through the outbox, once per change. Verbs flush; the job commits."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from triage.extensions import db
from triage.models import (
    DeliveryChannel,
    Event,
    Feedback,
    Project,
    Release,
    ReleaseFix,
    Status,
    Theme,
    User,
    utcnow,
)
from triage.services import DomainError, NotFound, items
from triage.services.delivery import notify
from triage.services.releases import store, versions
from triage.services.triage import escalation

REGRESSION_TAG = "regression"


def mark_fixed(project: Project, version: object, *, item: Feedback | None = None, theme: Theme | None = None,
               threshold: int = 1, actor: User | None = None) -> ReleaseFix:
    """Watch an item or a theme as fixed in `version` (flushes): `threshold` new reports of it
    from that version or later reopen it as regressed."""
    version = store.checked(version)
    if (item is None) == (theme is None):
        raise DomainError("Mark either an item or a theme as fixed.")
    if (item or theme).project_id != project.id:
        raise DomainError("That belongs to another project.")
    if not 1 <= threshold <= 10_000:
        raise DomainError("The threshold is from 1 to 10,000 reports.")
    fix = ReleaseFix(project_id=project.id, feedback=item, theme=theme, version=version,
                     version_key=versions.sort_key(version), threshold=threshold, fixed_at=utcnow(), evidence={})
    db.session.add(fix)
    if item is not None:
        db.session.add(Event(feedback=item, actor=actor, kind="fixed_in", data={"version": version}))
    db.session.flush()
    return fix


def mark_fixed_by_ref(project: Project, version: object, item_id: int | None, theme_name: str | None,
                     threshold: int, actor: User | None) -> ReleaseFix:
    """mark_fixed for an item number or a theme name, as the fix form gives them."""
    if item_id:
        return mark_fixed(project, version, item=items.get_item(item_id), threshold=threshold, actor=actor)
    theme = db.session.scalar(select(Theme).where(Theme.project_id == project.id,
                                                  Theme.name == (theme_name or "").strip()))
    if theme is None:
        raise NotFound(f"No theme {theme_name!r} in {project.name}.")
    return mark_fixed(project, version, theme=theme, threshold=threshold, actor=actor)


def open_fixes(project: Project) -> list[ReleaseFix]:
    return list(db.session.scalars(select(ReleaseFix).where(
        ReleaseFix.project_id == project.id, ReleaseFix.regressed_at.is_(None)).order_by(ReleaseFix.id)))


def fixes(project: Project) -> list[ReleaseFix]:
    return list(db.session.scalars(select(ReleaseFix).where(ReleaseFix.project_id == project.id)
                                   .order_by(ReleaseFix.id.desc()).limit(100)))


def regressing_reports(fix: ReleaseFix) -> list[Feedback]:
    """Reports of the fixed thing from its version or later, received after it was marked:
    items of the theme, or duplicates of the item and items filed under its theme."""
    if fix.theme_id is not None:
        same = Feedback.theme_id == fix.theme_id
    else:
        item = fix.feedback
        same = or_(Feedback.duplicate_of_id == item.id,
                   Feedback.theme_id == item.theme_id if item.theme_id is not None else False)
    query = select(Feedback).where(
        Feedback.project_id == fix.project_id, same, Feedback.id != (fix.feedback_id or 0),
        Feedback.version_key >= fix.version_key, Feedback.created_at > fix.fixed_at,
        Feedback.quarantined.is_(False)).order_by(Feedback.id)
    return list(db.session.scalars(query))


def check_fix(fix: ReleaseFix, now: datetime | None = None) -> bool:
    """Reopen the fixed item (or the theme's newest report) as regressed when enough reports
    arrived, and tell its owner (flushes); True when it regressed now."""
    reports = regressing_reports(fix)
    if fix.regressed_at is not None or len(reports) < fix.threshold:
        return False
    fix.regressed_at = now or utcnow()
    fix.evidence = {"reports": [r.id for r in reports[:50]], "count": len(reports),
                    "versions": versions.ordered({r.app_version for r in reports})}
    target = fix.feedback or reports[-1]
    if not target.status.is_open:
        items.change_status(target, Status.TRIAGED, None)
    if REGRESSION_TAG not in (target.tags or []):
        target.tags = [*(target.tags or []), REGRESSION_TAG]
    db.session.add(Event(feedback=target, kind="regressed", data={"fix_id": fix.id, **fix.evidence,
                                                                  "fixed_in": fix.version}))
    what = f"theme {fix.theme.name!r}" if fix.theme else f"#{target.id} {target.title}"
    text = (f"{what} was marked fixed in {fix.version}, and {len(reports)} report(s) of it arrived since, "
            f"from {', '.join(fix.evidence['versions'])}.\n"
            f"It is reopened: {notify.absolute_url('board.item', item_id=target.id)}\n")
    escalation.tell_owner(target, f"regressed:{fix.id}", f"Regressed: {what} (fixed in {fix.version})", text,
                          {"event": "regressed", "fix_id": fix.id})
    db.session.flush()
    return True


def check_fixes(project: Project, now: datetime | None = None) -> int:
    """Check every watched fix of the project; returns how many regressed now."""
    return sum(check_fix(fix, now) for fix in open_fixes(project))


def tell_verdict_changes(project: Project, now: datetime | None = None) -> int:
    """Evaluate each stored release's gate; a verdict unlike the last one told is queued to
    the project's followers (email or webhook), once per change (flushes). The first verdict
    of a release is recorded, not sent: it is no change. Returns how many changes."""
    snapshot = store.Snapshot(project, now)
    changed = 0
    for release in db.session.scalars(select(Release).where(Release.project_id == project.id)):
        verdict = snapshot.gate(release.version).verdict.value
        if verdict == release.last_verdict:
            continue
        before, release.last_verdict = release.last_verdict, verdict
        if before is None:
            continue
        release.verdict_changes += 1
        changed += 1
        tell_followers(project, release, before, verdict)
    db.session.flush()
    return changed


def tell_followers(project: Project, release: Release, before: str, verdict: str) -> None:
    link = notify.absolute_url("releases.release", slug=project.slug, version=release.version)
    subject = f"{project.name} {release.version}: {before.upper()} -> {verdict.upper()}"
    text = f"The go/no-go gate of {project.name} {release.version} went from {before} to {verdict}.\n{link}\n"
    data = {"event": "release.verdict_changed", "project": project.slug, "version": release.version,
            "from": before, "to": verdict, "url": link}
    for follower in store.followers(project):
        key = f"release:{release.id}:{release.verdict_changes}:{follower.id}"
        if follower.email:
            notify.enqueue(dedupe_key=key, channel=DeliveryChannel.EMAIL, recipient=follower.email,
                           subject=subject, text=text, data=data)
        elif follower.webhook is not None and follower.webhook.active:
            notify.enqueue(dedupe_key=key, channel=DeliveryChannel.WEBHOOK, recipient=follower.webhook.url,
                           subject=subject, text=text, webhook=follower.webhook, data=data)
