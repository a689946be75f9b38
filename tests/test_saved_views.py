"""Saved views: private or shared with a team, opened from the inbox, deleted by their owner,
with counts that stay cheap (capped)."""
import re

import pytest
from sqlalchemy import select

from tests import builders
from tests.board_support import row_titles, stored
from tests.conftest import Auth, csrf_from
from triage.extensions import db
from triage.models import SavedView
from triage.services import DomainError
from triage.services.items import inbox, saved_views
from triage.services.items.inbox import InboxFilter


@pytest.fixture
def team(app):
    return builders.team_with_roles("Web", members=2)


def member(team, n=0):
    return team.members_with(builders.TeamRole.MEMBER)[n]


def save(client, name, share_team="", **filters):
    token = csrf_from(client, "/board/")
    return client.post("/board/views", data={"csrf_token": token, "name": name, "share_team": share_team, **filters})


def test_saving_the_current_filters_and_opening_the_view(client, team, project):
    stored(project, "login bug", priority="P1")
    stored(project, "other", priority="P3")
    db.session.commit()
    Auth(client).login(member(team))
    response = save(client, "Urgent", priority="P1", q="login", bogus="x")
    assert response.status_code == 302
    view = db.session.scalars(select(SavedView)).one()
    assert (view.name, view.filters, view.team_id) == ("Urgent", {"priority": "P1", "q": "login"}, None)
    opened = client.get(f"/board/views/{view.id}", follow_redirects=True).get_data(as_text=True)
    assert row_titles(opened) == ["login bug"]


def test_shared_views_show_to_the_team_and_private_ones_only_to_their_owner(client, team):
    owner, teammate = member(team, 0), member(team, 1)
    outsider = builders.person("outsider@example.com")
    db.session.commit()
    saved_views.save_view(owner, "Mine", {"priority": "P2"})
    shared = saved_views.save_view(owner, "Ours", {"status": "any"}, team_id=team.id)
    db.session.commit()
    assert [v.name for v in saved_views.visible_views(owner)] == ["Mine", "Ours"]
    assert [v.name for v in saved_views.visible_views(teammate)] == ["Ours"]
    assert saved_views.visible_views(outsider) == []
    Auth(client).login(teammate)
    assert "Ours" in client.get("/board/").get_data(as_text=True)
    Auth(client).logout()
    Auth(client).login(outsider)
    assert client.get(f"/board/views/{shared.id}").status_code == 404


def test_a_view_can_only_be_shared_with_ones_own_team(client, team):
    other = builders.team_with_roles("Billing")
    with pytest.raises(DomainError):
        saved_views.save_view(member(team), "Theirs", {}, team_id=other.id)
    Auth(client).login(member(team))
    html = client.get("/board/").get_data(as_text=True)
    share = re.search(r'<select[^>]*name="share_team".*?</select>', html, re.S).group(0)
    assert "Web" in share and "Billing" not in share
    assert save(client, "Theirs", share_team=str(other.id)).status_code == 422


def test_a_bad_name_is_refused_with_a_4xx(client, team):
    Auth(client).login(member(team))
    assert save(client, "").status_code == 422
    assert save(client, "x" * 81).status_code == 422
    assert db.session.scalars(select(SavedView)).all() == []


def test_saving_twice_under_one_name_replaces_the_filters(team):
    user = member(team)
    saved_views.save_view(user, "Queue", {"priority": "P1"})
    saved_views.save_view(user, "Queue", {"priority": "P2"})
    db.session.commit()
    assert [v.filters for v in saved_views.visible_views(user)] == [{"priority": "P2"}]


def test_only_the_owner_deletes_a_view(client, team):
    owner, teammate = member(team, 0), member(team, 1)
    view = saved_views.save_view(owner, "Ours", {}, team_id=team.id)
    db.session.commit()
    Auth(client).login(teammate)
    token = csrf_from(client, "/board/")
    assert client.post(f"/board/views/{view.id}/delete", data={"csrf_token": token}).status_code == 403
    Auth(client).logout()
    Auth(client).login(owner)
    token = csrf_from(client, "/board/")
    assert client.post(f"/board/views/{view.id}/delete", data={"csrf_token": token}).status_code == 302
    assert db.session.scalars(select(SavedView)).all() == []


def test_counts_are_capped_and_shown_as_a_plus(client, team, project):
    for n in range(7):
        stored(project, f"item {n}", priority="P1" if n < 2 else "P4")
    db.session.commit()
    assert inbox.capped_count(InboxFilter(), cap=5) == 6
    assert inbox.capped_count(InboxFilter(priority="P1"), cap=5) == 2
    assert inbox.format_count(6, cap=5) == "5+" and inbox.format_count(10_001) == "10,000+"
    assert inbox.format_count(1234) == "1,234"
    saved_views.save_view(member(team), "Top", {"priority": "P1"})
    db.session.commit()
    Auth(client).login(member(team))
    html = client.get("/board/").get_data(as_text=True)
    assert re.search(r"Top\s*<span[^>]*>2</span>", html)
