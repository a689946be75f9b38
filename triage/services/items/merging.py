"""Merge duplicates into one item without losing anyone, and undo it.

A merge keeps every person: the merged item's submitter and followers follow the survivor
(its replies and status changes reach them), its votes move over counted once per person
(plus one for the report itself), its context and attachments stay where they are and the
survivor's page lists them through `duplicate_of`. Everything a merge changes is written
into the merged item's Event("merged") under "undo", which `unmerge` reads back.
"""
from __future__ import annotations

from sqlalchemy import delete, select

from triage.extensions import db
from triage.models import Event, Feedback, Follower, Status, User, Vote
from triage.services import DomainError
from triage.services.delivery import notify
from triage.services.items import duplicates, votes
from triage.services.triage import sla


def set_status(item: Feedback, status: Status, actor: User | None, **why) -> None:
    """Move the status for a merge or unmerge: recorded and timed like any move, but the
    people of the item hear of the merge itself instead."""
    old = item.status
    if old == status:
        return
    item.status = status
    db.session.add(Event(feedback=item, actor=actor, kind="status_changed",
                         data={"from": old.value, "to": status.value, **why}))
    sla.on_status_changed(item, old, status)


def merge(found: list[Feedback], actor: User | None) -> Feedback:
    """Merge the items into the oldest one (flushes) and return it: each other item points to
    it through duplicate_of and is closed; its people follow the survivor and are told by
    email; its votes move over once per person; Event("merged") on both sides."""
    if len(found) < 2:
        raise DomainError("Select at least two items to merge.")
    survivor, *others = sorted(found, key=lambda i: (i.created_at, i.id))
    if survivor.duplicate_of_id is not None:
        raise DomainError(f"#{survivor.id} is itself a duplicate; merge into the item it points to.")
    if any(i.project_id != survivor.project_id for i in others):
        raise DomainError("Only items of one project can be merged.")
    for item in others:
        if item.duplicate_of_id is not None:
            continue  # already merged somewhere: merged once, undone once
        merge_one(item, survivor, actor)
    db.session.flush()
    return survivor


def merge_one(item: Feedback, survivor: Feedback, actor: User | None) -> None:
    undo = {"status": item.status.value, "followers": [], "votes_moved": [], "votes_added": [],
            "extra_votes": 0}
    item.duplicate_of_id = survivor.id
    people = [(item.submitter_email, item.submitter_name, "reporter", None)]
    people += [(f.email, f.name, "merged", f.user_id) for f in item.followers]
    people += [(s.get("email"), s.get("name"), "reporter", None) for s in item.context.get("submitters", [])]
    for email, name, source, user_id in people:  # the last kind from merges made before followers
        if (follower := votes.add_follower(survivor, email, name, source, user_id)) is not None:
            undo["followers"].append(follower.id)
    move_votes(item, survivor, undo)
    set_status(item, Status.CLOSED, actor, merged_into=survivor.id)
    db.session.add(Event(feedback=item, actor=actor, kind="merged",
                         data={"merged_into": survivor.id, "undo": undo}))
    db.session.add(Event(feedback=survivor, actor=actor, kind="merged", data={"merged_from": item.id}))
    notify.notify_merged(item, survivor, notify.recipients(item))
    duplicates.forget(item)


def move_votes(item: Feedback, survivor: Feedback, undo: dict) -> None:
    """Votes of the merged item go to the survivor unless that person voted there already;
    the report itself counts as its reporter's vote; counts from before votes had rows carry over."""
    taken = set(db.session.scalars(select(Vote.voter).where(Vote.feedback_id == survivor.id)))
    rows = list(db.session.scalars(select(Vote).where(Vote.feedback_id == item.id)))
    for vote in rows:
        if vote.voter not in taken and not votes.same_person(survivor, vote.email):
            vote.feedback_id = survivor.id
            taken.add(vote.voter)
            undo["votes_moved"].append(vote.id)
    undo["extra_votes"] = max(item.vote_count - len(rows), 0)
    key = votes.voter_key(email=item.submitter_email, item_id=item.id)
    if key not in taken and not votes.same_person(survivor, item.submitter_email):
        vote = Vote(feedback_id=survivor.id, voter=key, email=item.submitter_email, name=item.submitter_name,
                    source="reporter")
        db.session.add(vote)
        db.session.flush()
        undo["votes_added"].append(vote.id)
    moved = len(undo["votes_moved"])
    item.vote_count -= moved
    survivor.vote_count += moved + len(undo["votes_added"]) + undo["extra_votes"]
    db.session.flush()


def merge_event(item: Feedback) -> Event | None:
    return db.session.scalar(select(Event).where(Event.feedback_id == item.id, Event.kind == "merged")
                             .order_by(Event.id.desc()).limit(1))


def unmerge(item: Feedback, actor: User | None) -> Feedback:
    """Undo the merge of this item (flushes): its status, the followers and votes the merge gave
    the survivor, and the link; Event("unmerged") on both sides. Returns the former survivor."""
    if item.duplicate_of_id is None:
        raise DomainError(f"#{item.id} is not merged into another item.")
    survivor = db.session.get(Feedback, item.duplicate_of_id)
    event = merge_event(item)
    undo = event.data.get("undo", {}) if event and event.data.get("merged_into") == survivor.id else {}
    if undo.get("followers"):
        db.session.execute(delete(Follower).where(Follower.id.in_(undo["followers"]),
                                                  Follower.feedback_id == survivor.id))
    back = list(db.session.scalars(select(Vote).where(Vote.id.in_(undo.get("votes_moved") or [0]),
                                                      Vote.feedback_id == survivor.id)))
    for vote in back:
        vote.feedback_id = item.id
    added = db.session.execute(delete(Vote).where(Vote.id.in_(undo.get("votes_added") or [0]),
                                                  Vote.feedback_id == survivor.id)).rowcount
    survivor.vote_count = max(survivor.vote_count - len(back) - added - undo.get("extra_votes", 0), 0)
    item.vote_count += len(back)
    item.duplicate_of_id = None
    db.session.expire(survivor, ["followers"])
    set_status(item, Status(undo.get("status", Status.TRIAGED.value)), actor, unmerged_from=survivor.id)
    db.session.add(Event(feedback=item, actor=actor, kind="unmerged", data={"unmerged_from": survivor.id}))
    db.session.add(Event(feedback=survivor, actor=actor, kind="unmerged", data={"unmerged": item.id}))
    db.session.flush()
    if item.status.is_open:
        duplicates.remember(item)
    return survivor


def merged_into_this(item: Feedback) -> list[Feedback]:
    """The items merged into this one, oldest first (their context and attachments are listed
    on its page)."""
    return list(db.session.scalars(select(Feedback).where(Feedback.duplicate_of_id == item.id)
                                   .order_by(Feedback.created_at, Feedback.id)))
