"""What staff do to an item: change its status, comment, reply. Each change is an Event."""
from __future__ import annotations

from triage.extensions import db
from triage.models import Comment, Event, Feedback, Status, User
from triage.services import DomainError, NotFound, notify, sla

MAX_COMMENT = 20_000


def get_item(item_id: int) -> Feedback:
    """The item with this id; NotFound also for ids no INTEGER column can hold (URLs take any)."""
    item = db.session.get(Feedback, item_id) if 0 < item_id < 2**31 else None
    if item is None:
        raise NotFound(f"No item {item_id}.")
    return item


def change_status(item: Feedback, status: Status, actor: User | None) -> None:
    """Move the item to a new status and record the move; same status is a no-op."""
    if item.status == status:
        return
    old = item.status
    item.status = status
    db.session.add(Event(feedback=item, actor=actor, kind="status_changed",
                         data={"from": old.value, "to": status.value}))
    sla.on_status_changed(item, old, status)  # pause while waiting, stamp resolution
    db.session.flush()


def add_comment(item: Feedback, author: User, body: str, public: bool) -> Comment:
    """Add an internal note or, when public, a reply the submitter sees on their status page."""
    body = body.strip()
    if not body:
        raise DomainError("A comment needs text.")
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
