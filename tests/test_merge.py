"""Merge that loses nothing: followers hear replies and status changes, the merged item's status
page points to the survivor, votes count once per person, and unmerge restores what merge did."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from triage.extensions import db
from triage.models import Event, Follower, Notification, Status, Vote, utcnow
from triage.services import DomainError, items
from triage.services.items import votes

from tests.board_support import stored
from tests.conftest import csrf_from


@pytest.fixture
def pair(project):
    """An older public item from Ann and a newer one from Bob, both open."""
    now = utcnow()
    older = stored(project, "Export crashes", created_at=now - timedelta(days=1), submitter_email="ann@x.org",
                   public=True, status=Status.TRIAGED)
    newer = stored(project, "CSV export crash", created_at=now, submitter_email="bob@x.org", submitter_name="Bob",
                   public=True, status=Status.IN_PROGRESS, context={"page_url": "https://app.example/export"})
    db.session.commit()
    return older, newer


def outbox(prefix: str) -> list[tuple[str, str]]:
    rows = db.session.scalars(select(Notification).where(Notification.dedupe_key.startswith(prefix))
                              .order_by(Notification.id))
    return [(n.recipient, n.dedupe_key) for n in rows]


def test_the_survivor_keeps_the_reporter_and_followers_of_the_merged_item(pair, agent):
    older, newer = pair
    votes.add_follower(newer, "cat@x.org", "Cat", "staff")
    survivor = items.merge([newer, older], agent)
    db.session.commit()
    assert survivor is older and newer.duplicate_of_id == older.id and newer.status == Status.CLOSED
    assert [(f.email, f.source) for f in older.followers] == [("bob@x.org", "reporter"), ("cat@x.org", "merged")]
    assert [r for r, _ in outbox("merged:")] == ["bob@x.org", "cat@x.org"]  # told where their report went


def test_public_replies_and_status_changes_of_the_survivor_reach_every_follower_once(pair, agent):
    older, newer = pair
    items.merge([older, newer], agent)
    votes.add_follower(older, "ANN@x.org", None, "staff")  # the submitter already hears: not twice
    comment = items.add_comment(older, agent, "Fixed in 2.1", public=True)
    items.change_status(older, Status.RESOLVED, agent)
    db.session.commit()
    assert outbox("reply:") == [("ann@x.org", f"reply:{comment.id}"), ("bob@x.org", f"reply:{comment.id}:bob@x.org")]
    assert [r for r, _ in outbox("status:")] == ["ann@x.org", "bob@x.org"]
    items.add_comment(older, agent, "internal", public=False)
    items.change_status(older, Status.TRIAGED, agent)  # reopened to triaged: board business only
    db.session.commit()
    assert len(outbox("reply:")) == 2 and len(outbox("status:")) == 2


def test_the_merged_items_status_page_says_merged_into_with_the_survivors_status(client, pair, agent):
    older, newer = pair
    items.merge([older, newer], agent)
    items.add_comment(older, agent, "We are on it", public=True)
    items.change_status(older, Status.IN_PROGRESS, agent)
    db.session.commit()
    html = client.get(f"/status/{newer.status_token}").get_data(as_text=True)
    assert f"Merged into #{older.id}" in html and "In progress" in html and "We are on it" in html
    assert "Closed" not in html


def test_votes_are_counted_once_per_person(pair, agent):
    older, newer = pair
    assert votes.add_vote(older, email="dan@x.org", source="vote")
    assert votes.add_vote(newer, email="DAN@x.org", source="vote")  # the same person on the other one
    assert votes.add_vote(newer, browser="w-123", source="me_too")
    assert votes.add_vote(newer, email="ann@x.org")  # Ann reported the survivor herself
    items.merge([older, newer], agent)
    db.session.commit()
    # dan once, the browser, Bob's own report; Ann's vote on the newer item is her own report
    assert older.vote_count == 3 == db.session.query(Vote).filter_by(feedback_id=older.id).count()
    assert sorted(v.source for v in votes.voters(older)) == ["me_too", "reporter", "vote"]


def test_unmerge_restores_status_followers_votes_and_counts(pair, agent):
    older, newer = pair
    votes.add_follower(older, "eve@x.org", None, "staff")
    assert votes.add_vote(newer, email="fay@x.org")
    before = (newer.status, older.vote_count, newer.vote_count, [f.email for f in older.followers])
    items.merge([older, newer], agent)
    db.session.commit()
    assert older.vote_count == 2 and newer.vote_count == 0
    items.unmerge(newer, agent)
    db.session.commit()
    db.session.expire_all()
    assert newer.duplicate_of_id is None
    assert (newer.status, older.vote_count, newer.vote_count, [f.email for f in older.followers]) == before
    assert [f.email for f in newer.followers] == ["fay@x.org"]  # the voter still follows what she voted on
    kinds = {(e.feedback_id, e.kind) for e in db.session.scalars(select(Event))}
    assert {(older.id, "unmerged"), (newer.id, "unmerged")} <= kinds
    with pytest.raises(DomainError):
        items.unmerge(newer, agent)


def test_both_timelines_name_both_items_and_the_unmerge_button_works(client, auth, pair, agent):
    older, newer = pair
    items.merge([older, newer], agent)
    db.session.commit()
    auth.login(agent)
    survivor_page = client.get(f"/board/items/{older.id}").get_data(as_text=True)
    assert f"merged #{newer.id} into #{older.id}" in survivor_page
    assert "Merged into this item" in survivor_page and "https://app.example/export" in survivor_page
    assert "bob@x.org" in survivor_page and "reporter" in survivor_page
    merged_page = client.get(f"/board/items/{newer.id}").get_data(as_text=True)
    assert f"merged #{newer.id} into #{older.id}" in merged_page and "Unmerge" in merged_page
    token = csrf_from(client, f"/board/items/{newer.id}")
    assert client.post(f"/board/items/{newer.id}/unmerge", data={"csrf_token": token}).status_code == 302
    db.session.refresh(newer)
    assert newer.duplicate_of_id is None and newer.status == Status.IN_PROGRESS
    assert db.session.query(Follower).filter_by(feedback_id=older.id).count() == 0
    again = client.post(f"/board/items/{newer.id}/unmerge", data={"csrf_token": token})
    assert again.status_code == 422 and "not merged" in again.get_data(as_text=True)


def test_an_unmerge_without_a_csrf_token_is_refused(client, auth, pair, agent):
    older, newer = pair
    items.merge([older, newer], agent)
    db.session.commit()
    auth.login(agent)
    assert client.post(f"/board/items/{newer.id}/unmerge").status_code in (400, 422)
    db.session.refresh(newer)
    assert newer.duplicate_of_id == older.id
