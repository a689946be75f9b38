"""Macros: saved replies with a fixed set of placeholders that can also set status and add tags;
applied from the item page and in bulk, each change its own Event, never rendered as a template."""
import pytest
from sqlalchemy import select

from tests.board_support import stored
from tests.conftest import csrf_from, make_user
from triage.extensions import db
from triage.models import Comment, Event, Macro, Notification, Role, Status
from triage.services import DomainError
from triage.services.items import macros

THANKS = ("Hi {{ submitter.name }}, about {{ item.number }} “{{ item.title }}” in {{project.name}}: fixed. "
          "Follow it at {{ status_page }}. {{ agent.name }}")


@pytest.fixture
def item(project):
    found = stored(project, "Export crashes", submitter_email="ann@example.com", submitter_name="Ann",
                   status=Status.TRIAGED)
    db.session.commit()
    return found


def saved(actor, body=THANKS, **fields) -> Macro:
    macro = macros.save_macro(actor, fields.pop("name", "Fixed"), body, fields.pop("status", Status.RESOLVED),
                              fields.pop("tags", "fixed, Replied"), fields.pop("shared", True))
    db.session.commit()
    return macro


def kinds(item) -> list[str]:
    return list(db.session.scalars(select(Event.kind).where(Event.feedback_id == item.id).order_by(Event.id)))


def test_every_placeholder_is_filled_for_the_item(app, agent, item):
    text = macros.fill(THANKS, item, agent)
    assert text == (f"Hi Ann, about #{item.id} “Export crashes” in Demo App: fixed. "
                    f"Follow it at http://localhost:5000/status/{item.status_token}. Agent Smith")


@pytest.mark.parametrize("body", ["Hi {{ submitter.email }}", "{{ config.SECRET_KEY }}", "{{ 7*7 }}",
                                  "{{ item.__class__ }}", "{{}}"])
def test_an_unknown_placeholder_is_refused_when_saving(app, agent, body):
    with pytest.raises(DomainError, match="Unknown placeholder"):
        macros.save_macro(agent, "Bad", body, None, "", False)
    assert db.session.scalars(select(Macro)).all() == []


def test_template_syntax_in_macros_and_items_stays_literal_text(app, agent, project):
    tricky = stored(project, "{{ agent.name }} {{ config }}", submitter_name="{{ project.name }}{% raw %}")
    macro = saved(agent, "{% for x in range(3) %}x{% endfor %} {{ submitter.name }} / {{ item.title }}")
    text = macros.fill(macro.body, tricky, agent)
    assert text == "{% for x in range(3) %}x{% endfor %} {{ project.name }}{% raw %} / {{ agent.name }} {{ config }}"


def test_applying_posts_the_reply_sets_the_status_and_adds_tags_each_an_event(app, agent, item):
    macro = saved(agent)
    assert macros.apply_macro(item, macro, agent) == ["reply", "status", "tags"]
    db.session.commit()
    reply = db.session.scalars(select(Comment)).one()
    assert reply.public and reply.body.startswith(f"Hi Ann, about #{item.id}")
    assert item.status == Status.RESOLVED and item.tags == ["fixed", "replied"]
    assert kinds(item)[-4:] == ["replied", "status_changed", "tagged", "tagged"]
    [mail] = db.session.scalars(select(Notification).where(Notification.recipient == "ann@example.com",
                                                           Notification.dedupe_key.like("reply:%"))).all()
    assert "Hi Ann, about" in mail.payload["text"]


def test_an_edited_reply_is_sent_as_typed_without_filling(app, agent, item):
    macro = saved(agent, status=None, tags="")
    assert macros.apply_macro(item, macro, agent, "Dear Ann, {{ agent.name }} here.") == ["reply"]
    assert db.session.scalars(select(Comment.body)).one() == "Dear Ann, {{ agent.name }} here."
    assert item.status == Status.TRIAGED


def test_personal_macros_are_their_authors_and_admins_see_all(app, agent, admin):
    other = make_user(Role.AGENT, "other@example.com")
    mine = saved(agent, name="Mine", shared=False)
    shared = saved(other, name="Team", shared=True)
    theirs = saved(other, name="Theirs", shared=False)
    assert [m.name for m in macros.usable_macros(agent)] == ["Mine", "Team"]
    assert [m.name for m in macros.managed_macros(admin)] == ["Mine", "Team", "Theirs"]
    assert macros.can_manage(agent, shared) and macros.can_manage(admin, theirs)
    with pytest.raises(DomainError):
        macros.get_macro(agent, theirs.id)
    with pytest.raises(macros.Forbidden):
        macros.save_macro(other, "Mine", "x", None, "", False, mine)


# --- the pages ---------------------------------------------------------------------------

def post_macro(client, path="/board/macros", **data):
    token = csrf_from(client, "/board/macros")
    return client.post(path, data={"csrf_token": token, "name": "Thanks", "body": THANKS, "status": "resolved",
                                   "tags": "fixed", **data})


def test_an_agent_saves_a_macro_on_the_staff_page(client, auth, agent):
    auth.login(agent)
    assert client.get("/board/macros").status_code == 200
    response = post_macro(client, shared="y")
    assert response.status_code == 302
    macro = db.session.scalars(select(Macro)).one()
    assert (macro.name, macro.status, macro.tags, macro.shared, macro.created_by) == (
        "Thanks", Status.RESOLVED, ["fixed"], True, agent)
    assert "Thanks" in client.get(response.location).get_data(as_text=True)


@pytest.mark.parametrize("data, said", [
    ({"body": "Hello {{ config }}"}, "Unknown placeholder"),
    ({"name": ""}, "This field is required"),
    ({"status": "deleted"}, "Not a valid choice"),
    ({"tags": ",".join(f"t{n}" for n in range(21))}, "At most 20 tags"),
])
def test_a_bad_macro_is_a_form_error_not_a_500(client, auth, agent, data, said):
    auth.login(agent)
    response = post_macro(client, **data)
    assert response.status_code == 422 and said in response.get_data(as_text=True)
    assert db.session.scalars(select(Macro)).all() == []


def test_macro_pages_need_csrf_and_an_agent(client, auth, agent, pm):
    auth.login(agent)
    assert client.post("/board/macros", data={"name": "x", "body": "y"}).status_code == 400
    auth.logout()
    auth.login(pm)
    assert client.get("/board/macros").status_code == 403


def test_another_agents_personal_macro_cannot_be_opened_changed_or_deleted(client, auth, agent, admin):
    theirs = saved(make_user(Role.AGENT, "other@example.com"), name="Theirs", shared=False)
    auth.login(agent)
    assert client.get(f"/board/macros/{theirs.id}").status_code == 404
    token = csrf_from(client, "/board/macros")
    assert client.post(f"/board/macros/{theirs.id}/delete", data={"csrf_token": token}).status_code == 404
    assert client.get("/board/macros/99999999999").status_code == 404
    auth.logout()
    auth.login(admin)
    form = client.get(f"/board/macros/{theirs.id}").get_data(as_text=True)
    assert 'value="fixed, replied"' in form and '<option selected value="resolved">' in form
    assert post_macro(client, f"/board/macros/{theirs.id}", name="Renamed").status_code == 302
    assert db.session.get(Macro, theirs.id).name == "Renamed"


def apply_on_page(client, item, **data):
    token = csrf_from(client, f"/board/items/{item.id}")
    return client.post(f"/board/items/{item.id}/macro", data={"csrf_token": token, **data})


def test_the_item_page_previews_and_applies_a_macro(client, auth, agent, item):
    macro = saved(agent)
    auth.login(agent)
    page = client.get(f"/board/items/{item.id}").get_data(as_text=True)
    assert f"Hi Ann, about #{item.id}" in page  # the preview, filled for this item
    response = apply_on_page(client, item, macro=str(macro.id), body="")
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    assert "Macro applied: reply, status, tags." in client.get(response.location).get_data(as_text=True)
    db.session.expire_all()
    assert item.status == Status.RESOLVED and "replied" in kinds(item)


@pytest.mark.parametrize("data", [{"macro": ""}, {"macro": "abc"}, {"macro": "99999"}, {"macro": "1", "body": "x" * 20_001}])
def test_bad_macro_input_on_the_item_page_is_a_422(client, auth, agent, item, data):
    saved(agent)
    auth.login(agent)
    assert apply_on_page(client, item, **data).status_code == 422
    assert db.session.scalars(select(Comment)).all() == []


def test_a_pm_cannot_apply_a_macro(client, auth, agent, pm, item):
    macro = saved(agent)
    auth.login(pm)
    assert apply_on_page(client, item, macro=str(macro.id)).status_code == 403


def test_a_bulk_macro_fills_each_reply_for_its_own_item(client, auth, agent, project, item):
    second = stored(project, "Login fails", submitter_name="Bob", submitter_email="bob@example.com")
    macro = saved(agent, body="Hi {{ submitter.name }}, {{ item.number }} is fixed.")
    auth.login(agent)
    token = csrf_from(client, "/board/")
    response = client.post("/board/bulk", data={"csrf_token": token, "ids": [str(item.id), str(second.id)],
                                                "action": "macro", "macro": str(macro.id)})
    assert response.status_code == 302
    bodies = sorted(db.session.scalars(select(Comment.body)))
    assert bodies == [f"Hi Ann, #{item.id} is fixed.", f"Hi Bob, #{second.id} is fixed."]
    assert client.post("/board/bulk", data={"csrf_token": token, "ids": [str(item.id)], "action": "macro",
                                            "macro": ""}).status_code == 422  # no macro chosen
    db.session.expire_all()
    assert {i.status for i in (item, second)} == {Status.RESOLVED}
