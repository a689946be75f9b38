"""Votes: +1 on a project's public ideas page, "me too" from the hosted form and the widget,
one vote per email or browser, rate limited, CSRF on the form, origin checks on the widget."""
from __future__ import annotations

import re

import pytest

from triage.extensions import db
from triage.models import Kind, Status, Vote
from triage.services import intake, items
from triage.services.intake import Submission
from triage.services.items import votes

from tests.conftest import csrf_from
from tests.widget_support import ORIGIN, app, assert_error, project  # noqa: F401

IDEA = ("Dark mode for the dashboard", "Please add a dark theme to the dashboard, it is too bright at night.")


@pytest.fixture
def idea(project):  # noqa: F811
    found = intake.submit_feedback(project, Submission(kind=Kind.IDEA, title=IDEA[0], body=IDEA[1],
                                                       email="ann@x.org"))
    db.session.commit()
    return found


def vote_count(item) -> int:
    db.session.refresh(item)
    assert item.vote_count == db.session.query(Vote).filter_by(feedback_id=item.id).count()
    return item.vote_count


def form_vote(client, project, idea, email="", **extra):  # noqa: F811
    token = csrf_from(client, f"/p/{project.slug}/ideas")
    return client.post(f"/p/{project.slug}/ideas/{idea.id}/vote", data={"csrf_token": token, "email": email},
                       **extra)


def test_ideas_are_public_on_intake_and_bugs_are_not(project, idea):  # noqa: F811
    bug = intake.submit_feedback(project, Submission(kind=Kind.BUG, title="Crash on save"))
    db.session.commit()
    assert idea.public and not bug.public
    assert [i.id for i in votes.public_ideas(project.id)] == [idea.id]


def test_one_vote_per_email_whatever_the_case_and_per_browser(project, idea):  # noqa: F811
    assert votes.add_vote(idea, email="bo@x.org")
    assert not votes.add_vote(idea, email="BO@x.org")
    assert votes.add_vote(idea, browser="w-browser-1")
    assert not votes.add_vote(idea, browser="w-browser-1")
    assert not votes.add_vote(idea, email="other@x.org", browser="w-browser-1")  # same browser, new address
    assert not votes.add_vote(idea, email="ANN@x.org")  # the submitter's own report counts already
    db.session.commit()
    assert vote_count(idea) == 2
    assert [f.email for f in idea.followers] == ["bo@x.org"]  # who left an email hears of progress


def test_closed_or_private_items_take_no_votes(project, idea, agent):  # noqa: F811
    from triage.services import DomainError

    items.change_status(idea, Status.CLOSED, agent)
    with pytest.raises(DomainError):
        votes.add_vote(idea, browser="w-browser-1")


def test_the_ideas_page_lists_public_ideas_and_a_plus_one_counts_once_per_browser(client, project, idea):  # noqa: F811
    html = client.get(f"/p/{project.slug}/ideas").get_data(as_text=True)
    assert IDEA[0] in html and "+1" in html
    assert form_vote(client, project, idea).status_code == 303
    assert form_vote(client, project, idea).status_code == 303  # same cookie: not counted again
    assert vote_count(idea) == 1
    other = client.application.test_client()
    assert form_vote(other, project, idea, email="cy@x.org").status_code == 303
    assert vote_count(idea) == 2


def test_a_form_vote_without_the_csrf_token_is_refused(client, project, idea):  # noqa: F811
    client.get(f"/p/{project.slug}/ideas")
    response = client.post(f"/p/{project.slug}/ideas/{idea.id}/vote", data={"email": ""})
    assert response.status_code == 400 and vote_count(idea) == 0


def test_votes_on_items_of_another_project_or_not_public_are_not_found(client, project, idea):  # noqa: F811
    bug = intake.submit_feedback(project, Submission(kind=Kind.BUG, title="Crash on save"))
    db.session.commit()
    assert form_vote(client, project, bug).status_code == 404
    assert client.post("/p/nope/ideas/1/vote").status_code in (400, 404)


def test_form_votes_are_rate_limited(make_app):
    app = make_app(VOTE_RATE_LIMIT="2 per minute")
    with app.app_context():
        from triage.services.accounts import create_project

        proj = create_project("rl", "RL")
        db.session.commit()
        ideas = [intake.submit_feedback(proj, Submission(kind=Kind.IDEA, title=f"Idea {n}")) for n in range(3)]
        db.session.commit()
        client = app.test_client()
        codes = [form_vote(client, proj, i).status_code for i in ideas]
        assert codes == [303, 303, 429]


def test_the_hosted_form_offers_similar_public_reports_and_me_too_answers_json(client, project, idea):  # noqa: F811
    page = client.get(f"/p/{project.slug}").get_data(as_text=True)
    assert 'src="/static/similar.js"' in page and 'data-similar-url="/p/shop/similar"' in page
    found = client.get(f"/p/{project.slug}/similar?q=dark theme for the dashboard please").json["similar"]
    assert [s["id"] for s in found] == [idea.id] and found[0]["vote_url"] == f"/p/shop/ideas/{idea.id}/vote"
    assert client.get(f"/p/{project.slug}/similar?q=x").json == {"similar": []}
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post(found[0]["vote_url"], data={"csrf_token": token, "email": ""},
                         headers={"Accept": "application/json"})
    assert answer.status_code == 200 and answer.json == {"counted": True, "votes": 1}
    again = client.post(found[0]["vote_url"], data={"csrf_token": token}, headers={"Accept": "application/json"})
    assert again.json == {"counted": False, "votes": 1}
    [vote] = votes.voters(idea)
    assert vote.source == "me_too" and vote.email is None


def test_bugs_are_not_offered_until_staff_make_them_public(client, project, agent):  # noqa: F811
    bug = intake.submit_feedback(project, Submission(kind=Kind.BUG, title="Export to CSV crashes",
                                                     body="The CSV export crashes with a large workspace."))
    db.session.commit()
    q = "/p/shop/similar?q=CSV export crashes with a large workspace"
    assert client.get(q).json["similar"] == []
    items.set_public(bug, True, agent)
    db.session.commit()
    assert [s["id"] for s in client.get(q).json["similar"]] == [bug.id]


def widget_vote(client, project, idea, origin=ORIGIN, **fields):  # noqa: F811
    body = {"public_key": project.public_key, "visitor": "w-0123456789abcdef", **fields}
    return client.post(f"/api/v1/feedback/{idea.id}/votes", json=body,
                       headers={"Origin": origin} if origin else {})


def test_the_widget_finds_similar_reports_and_says_me_too_once(client, project, idea):  # noqa: F811
    found = client.get(f"/api/v1/similar?key={project.public_key}&q=dark theme on the dashboard",
                       headers={"Origin": ORIGIN})
    assert found.status_code == 200 and found.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert [s["id"] for s in found.json["similar"]] == [idea.id]
    first = widget_vote(client, project, idea, email="dee@x.org")
    assert first.status_code == 201 and first.json == {"id": idea.id, "counted": True, "votes": 1}
    assert first.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert widget_vote(client, project, idea).json["counted"] is False  # same visitor id
    assert vote_count(idea) == 1 and [f.email for f in idea.followers] == ["dee@x.org"]


def test_the_widget_endpoints_refuse_other_origins_and_bad_input(client, project, idea):  # noqa: F811
    assert_error(client.get(f"/api/v1/similar?key={project.public_key}&q=dark mode",
                            headers={"Origin": "https://evil.example.net"}), 403)
    refused = widget_vote(client, project, idea, origin="https://evil.example.net")
    assert_error(refused, 403)
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert_error(widget_vote(client, project, idea, visitor="short"), 422, "invalid")
    assert_error(widget_vote(client, project, idea, email="not an email"), 422, "invalid")
    assert_error(client.post(f"/api/v1/feedback/{idea.id}/votes", data="x"), 415)
    assert_error(widget_vote(client, project, idea, public_key="pk_unknown"), 404)
    assert vote_count(idea) == 0


def test_the_widget_vote_preflight_is_answered_for_allowed_origins_only(client, project, idea):  # noqa: F811
    ok = client.options(f"/api/v1/feedback/{idea.id}/votes", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert ok.status_code == 204 and ok.headers["Access-Control-Allow-Origin"] == ORIGIN
    refused = client.options(f"/api/v1/feedback/{idea.id}/votes", headers={
        "Origin": "https://evil.example.net", "Access-Control-Request-Method": "POST"})
    assert refused.status_code == 403


def test_staff_see_the_count_and_the_voters_on_the_item_page(client, auth, agent, project, idea):  # noqa: F811
    votes.add_vote(idea, email="eve@x.org", name="Eve")
    votes.add_vote(idea, browser="w-browser-9", source="me_too")
    db.session.commit()
    auth.login(agent)
    html = client.get(f"/board/items/{idea.id}").get_data(as_text=True)
    assert re.search(r'vote-count">2<', html) and "Eve eve@x.org" in html and "anonymous (browser)" in html
    assert "me too" in html


def test_the_widget_vote_endpoints_answer_as_documented(client, project, idea):  # noqa: F811
    from tests.test_openapi import conforms

    conforms(client.get(f"/api/v1/similar?key={project.public_key}&q=dark theme dashboard", headers={"Origin": ORIGIN}))
    conforms(client.get("/api/v1/similar?key=nope&q=dark"))
    assert conforms(widget_vote(client, project, idea)).status_code == 201
    assert conforms(widget_vote(client, project, idea)).status_code == 200
    conforms(widget_vote(client, project, idea, visitor=""))
    conforms(widget_vote(client, project, idea, origin="https://evil.example.net"))
    conforms(client.post("/api/v1/feedback/999/votes", json={"public_key": project.public_key, "visitor": "w-12345678"}))


def test_widget_votes_are_rate_limited_per_address_with_a_json_answer(make_app):
    from triage.services.accounts import create_project

    app = make_app(VOTE_RATE_LIMIT="1 per minute")
    with app.app_context():
        proj = create_project("rl", "RL")
        proj.allowed_origins = [ORIGIN]
        db.session.commit()
        first, second = (intake.submit_feedback(proj, Submission(kind=Kind.IDEA, title=f"Idea {n}")) for n in range(2))
        db.session.commit()
        client = app.test_client()
        assert widget_vote(client, proj, first).status_code == 201
        assert_error(widget_vote(client, proj, second), 429)


def test_an_agent_makes_a_bug_public_from_its_page_and_a_pm_cannot(client, auth, agent, pm, project):  # noqa: F811
    bug = intake.submit_feedback(project, Submission(kind=Kind.BUG, title="Crash on save"))
    db.session.commit()
    auth.login(pm)
    token = csrf_from(client, f"/board/items/{bug.id}")
    assert client.post(f"/board/items/{bug.id}/public", data={"public": "y", "csrf_token": token}).status_code == 403
    auth.logout()
    auth.login(agent)
    token = csrf_from(client, f"/board/items/{bug.id}")
    assert client.post(f"/board/items/{bug.id}/public", data={"public": "y", "csrf_token": token}).status_code == 302
    db.session.refresh(bug)
    assert bug.public and [i.id for i in votes.public_ideas(project.id)] == [bug.id]
    assert bug.events[-1].kind == "published"


def test_a_vote_on_an_id_no_integer_column_holds_is_not_found(client, project):  # noqa: F811
    body = {"visitor": "w-0123456789abcdef"}  # no key: the item's id names the project
    assert_error(client.post(f"/api/v1/feedback/{2**31}/votes", json=body, headers={"Origin": ORIGIN}), 404)
