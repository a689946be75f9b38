"""The staff inbox and the item page."""
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import csrf_from
from triage.extensions import db
from triage.models import Event, Feedback, Kind, Status, utcnow
from triage.services.accounts import create_project
from triage.services.intake import Submission, submit_feedback


def add_items(project, count: int, kind=Kind.BUG, start=None):
    start = start or utcnow()
    made = []
    for i in range(count):
        item = submit_feedback(project, Submission(kind=kind, title=f"{kind.value} {i}"))
        item.created_at = start - timedelta(minutes=i)
        made.append(item)
    db.session.commit()
    return made


def titles(html: str, prefix: str) -> list[str]:
    import re

    return re.findall(rf">({prefix} \d+)</a>", html)


def test_inbox_lists_newest_first(client, auth, agent, project):
    add_items(project, 3)
    auth.login(agent)
    assert titles(client.get("/board/").get_data(as_text=True), "bug") == ["bug 0", "bug 1", "bug 2"]


def test_inbox_pages_by_cursor_without_gaps_or_repeats(make_app, auth):
    app = make_app(BOARD_PAGE_SIZE=4)
    client = app.test_client()
    with app.app_context():
        from tests.conftest import Auth, make_user
        from triage.models import Role

        project = create_project("p", "P")
        same_time = utcnow()
        items = add_items(project, 10, start=same_time)
        for item in items[3:6]:
            item.created_at = same_time  # ties on created_at are broken by id
        db.session.commit()
        Auth(client).login(make_user(Role.AGENT))
        seen, url = [], "/board/"
        while url:
            html = client.get(url).get_data(as_text=True)
            seen += titles(html, "bug")
            import html as htmllib
            import re

            more = re.search(r'href="([^"]*cursor=[^"]*)"', html)
            url = htmllib.unescape(more.group(1)) if more else None
        assert sorted(seen) == sorted(f"bug {i}" for i in range(10))
        assert len(seen) == 10


def test_inbox_filters_by_project_status_and_kind(client, auth, agent, project):
    other = create_project("other", "Other")
    add_items(project, 2, Kind.BUG)
    add_items(project, 1, Kind.IDEA)
    add_items(other, 1, Kind.FEEDBACK)
    closed = db.session.scalars(select(Feedback).where(Feedback.title == "bug 1")).one()
    closed.status = Status.CLOSED
    db.session.commit()
    auth.login(agent)
    page = lambda q: client.get(f"/board/?{q}").get_data(as_text=True)  # noqa: E731
    assert titles(page("kind=idea"), "idea") == ["idea 0"] and not titles(page("kind=idea"), "bug")
    assert titles(page(f"project={other.id}"), "feedback") == ["feedback 0"]
    assert titles(page(f"project={other.id}"), "bug") == []
    assert titles(page("status=closed"), "bug") == ["bug 1"]
    assert titles(page("status=bogus&kind=bug"), "bug") == ["bug 0", "bug 1"]


def test_item_page_shows_body_and_timeline(client, auth, agent, project):
    item = submit_feedback(project, Submission(kind=Kind.BUG, title="Crash", body="It crashes on save"))
    db.session.commit()
    auth.login(agent)
    html = client.get(f"/board/items/{item.id}").get_data(as_text=True)
    assert "It crashes on save" in html and "created" in html


def test_agent_changes_status_and_the_timeline_records_it(client, auth, agent, project):
    item = add_items(project, 1)[0]
    auth.login(agent)
    token = csrf_from(client, f"/board/items/{item.id}")
    response = client.post(f"/board/items/{item.id}/status", data={"status": "in_progress", "csrf_token": token})
    assert response.status_code == 302
    db.session.refresh(item)
    assert item.status == Status.IN_PROGRESS
    event = item.events[-1]
    assert (event.kind, event.data, event.actor_id) == ("status_changed", {"from": "new", "to": "in_progress"}, agent.id)
    assert "in_progress" in client.get(f"/board/items/{item.id}").get_data(as_text=True)


def test_invalid_status_is_a_form_error(client, auth, agent, project):
    item = add_items(project, 1)[0]
    auth.login(agent)
    token = csrf_from(client, f"/board/items/{item.id}")
    response = client.post(f"/board/items/{item.id}/status", data={"status": "deleted", "csrf_token": token})
    assert response.status_code == 422
    db.session.refresh(item)
    assert item.status == Status.NEW


def test_internal_note_and_public_reply_are_kept_apart(client, auth, agent, project):
    item = add_items(project, 1)[0]
    auth.login(agent)
    for body, public in (("note to self", ""), ("hello customer", "y")):
        data = {"body": body, "csrf_token": csrf_from(client, f"/board/items/{item.id}")}
        if public:
            data["public"] = public
        assert client.post(f"/board/items/{item.id}/comments", data=data).status_code == 302
    db.session.refresh(item)
    assert [(c.body, c.public) for c in item.comments] == [("note to self", False), ("hello customer", True)]
    assert [e.kind for e in item.events][-2:] == ["commented", "replied"]


def test_empty_comment_is_refused(client, auth, agent, project):
    item = add_items(project, 1)[0]
    auth.login(agent)
    response = client.post(f"/board/items/{item.id}/comments",
                           data={"body": "", "csrf_token": csrf_from(client, f"/board/items/{item.id}")})
    assert response.status_code == 422
    assert db.session.scalars(select(Event).where(Event.kind == "commented")).all() == []


def test_missing_item_is_404(client, auth, agent):
    auth.login(agent)
    assert client.get("/board/items/999").status_code == 404
