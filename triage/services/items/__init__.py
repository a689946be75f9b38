"""Every verb on one item, shared by the board's pages, bulk actions, the staff API and the CLI.

Each verb takes plain values, records its change as an Event, flushes and never commits:
the request handler or job that calls it commits once. A refusal raises DomainError.
"""
from __future__ import annotations

from triage.extensions import db
from triage.models import Comment, Event, Feedback, Role, Status, Team, User, valid_id
from triage.services import DomainError, NotFound, access
from triage.services.intake import attachments
from triage.services.triage import classify, pipeline, sla
from triage.services.delivery import notify
from triage.services.insights import themes
from triage.services.items import duplicates
from triage.services.items.merging import merge, merged_into_this, unmerge

__all__ = ["get_item", "change_status", "add_comment", "assign", "reclassify", "add_tag", "set_tags", "set_theme",
           "merge", "unmerge", "merged_into_this", "set_public", "release", "discard"]

MAX_COMMENT = 20_000
MAX_TAG = 40


def get_item(item_id: int, viewer: User | None = None) -> Feedback:
    """The item with this id; NotFound also for ids no INTEGER column can hold (URLs take any)
    and for an item the viewer may not see (access.check; no viewer: a job, no limit)."""
    item = db.session.get(Feedback, item_id) if valid_id(item_id) else None
    if item is None:
        raise NotFound(f"No item {item_id}.")
    return access.check(viewer, item)


def change_status(item: Feedback, status: Status, actor: User | None) -> None:
    """Move the item to a new status and record the move; same status is a no-op."""
    if item.status == status:
        return
    old = item.status
    item.status = status
    event = Event(feedback=item, actor=actor, kind="status_changed", data={"from": old.value, "to": status.value})
    db.session.add(event)
    sla.on_status_changed(item, old, status)  # pause while waiting, stamp resolution (flushes)
    notify.notify_followers_of_status(item, event.id, old.value, status.value)
    if status.is_open != old.is_open:
        (duplicates.remember if status.is_open else duplicates.forget)(item)
    db.session.flush()


def add_comment(item: Feedback, author: User, body: str, public: bool) -> Comment:
    """Add an internal note or, when public, a reply the submitter sees on their status page.
    Any staff member writes notes; public replies are the agents' (and admins') work."""
    body = body.strip()
    if not body:
        raise DomainError("A comment needs text.")
    if public and not author.has_role(Role.AGENT):
        raise DomainError("Only agents send public replies; leave an internal note instead.")
    if len(body) > MAX_COMMENT:
        raise DomainError(f"A comment is limited to {MAX_COMMENT} characters.")
    comment = Comment(feedback=item, author=author, body=body, public=public)
    db.session.add(comment)
    db.session.flush()
    db.session.add(Event(feedback=item, actor=author, kind="replied" if public else "commented",
                         data={"comment_id": comment.id}))
    if public:  # the first reply meets the first-response target; the submitter gets an email
        sla.on_public_reply(item)
        notify.notify_submitter_of_reply(item, comment.id, body)
    db.session.flush()
    return comment


def assign(item: Feedback, team: Team | None, user: User | None, actor: User | None) -> bool:
    """Give the item to a team and/or a person of that team, recorded as Event("assigned")
    (flushes); False when nothing changes. A person outside the team is refused."""
    if user is not None and team is None:
        team = user.teams[0] if user.teams else item.team
    if user is not None and (team is None or user not in [m.user for m in team.memberships]):
        raise DomainError(f"{user.display_name} is not a member of team {team.name if team else '(none)'}.")
    if (item.team, item.assignee) == (team, user):
        return False
    item.team, item.assignee = team, user
    db.session.add(Event(feedback=item, actor=actor, kind="assigned", data={
        "team": team.name if team else None, "assignee": user.email if user else None}))
    db.session.flush()
    return True


def reclassify(item: Feedback, actor: User, *, category: str, impact: str, urgency: str) -> bool:
    """A triager's correction (a training label, see classify.reclassify), then the item is
    routed again and its SLA recomputed for the new priority (flushes). Returns whether
    anything changed."""
    if not classify.reclassify(item, actor, category=category, impact=impact, urgency=urgency):
        return False
    pipeline.after_reclassification(item, actor)
    return True


def add_tag(item: Feedback, tag: str, actor: User | None) -> bool:
    """Add a tag (trimmed, case kept, no duplicates ignoring case) as Event("tagged"); flushes."""
    tag = tag.strip()
    if not tag or len(tag) > MAX_TAG:
        raise DomainError(f"A tag needs 1 to {MAX_TAG} characters.")
    if tag.lower() in {t.lower() for t in item.tags or []}:
        return False
    item.tags = [*(item.tags or []), tag]  # a new list, so the JSON column sees the change
    db.session.add(Event(feedback=item, actor=actor, kind="tagged", data={"tag": tag}))
    db.session.flush()
    return True


def set_tags(item: Feedback, tags: list[str], actor: User | None) -> bool:
    """Replace the item's tags, recorded as Event("tagged") with old and new (flushes).
    Returns whether anything changed."""
    old = sorted(item.tags or [])
    if old == tags:
        return False
    item.tags = tags
    db.session.add(Event(feedback=item, actor=actor, kind="tagged", data={"from": old, "to": tags}))
    db.session.flush()
    return True


def set_theme(item: Feedback, name: str, actor: User | None) -> bool:
    """File the item under the theme of this name in its project (made if new), or under none
    when the name is blank; records Event("themed") and flushes. Returns whether anything changed."""
    theme = themes.theme_named(item.project, name) if name.strip() else None
    return themes.refile([item], item.theme, theme, actor) > 0


def set_public(item: Feedback, public: bool, actor: User | None) -> bool:
    """Show the item to end users (public ideas list, similar reports, votes) or hide it;
    recorded as Event("published"/"unpublished"). Returns whether anything changed."""
    if item.public == public:
        return False
    item.public = public
    db.session.add(Event(feedback=item, actor=actor, kind="published" if public else "unpublished"))
    db.session.flush()
    return True


def release(item: Feedback, actor: User | None) -> None:
    """Let a quarantined item through to the board, recording who judged it genuine, and
    run the triage steps it skipped (classify, route, SLA) as for any new item."""
    if item.quarantined:
        item.quarantined = False
        db.session.add(Event(feedback=item, actor_id=actor.id if actor else None, kind="released",
                             data={"reasons": item.context.get("quarantine", [])}))
        db.session.flush()
        pipeline.after_intake(item)
        duplicates.remember(item)  # an older id than the index has seen: add it now


def discard(item: Feedback) -> bool:
    """Delete a quarantined item for good, with its stored files (only quarantined items can
    be discarded); returns whether it was."""
    if not item.quarantined:
        return False
    attachments.remove_files(item, attachments.upload_folder())
    db.session.delete(item)
    db.session.flush()
    return True
