"""The item's timeline reads as sentences, with item numbers and people's names, not raw values."""
from tests.conftest import make_user
from triage.extensions import db
from triage.models import Event, Feedback, Role, Status
from triage.services import items
from triage.services.items import timeline


def words(item) -> list[str]:
    db.session.expire(item, ["events"])
    return [text for _, text in timeline.sentences(list(item.events))]


def test_changes_read_as_sentences_with_names_and_numbers(project, agent):
    kim = make_user(Role.AGENT, "kim@example.com", name="Kim Keys")
    first, second = (Feedback(project=project, title=t, category="bug") for t in ("One", "Two"))
    db.session.add_all([first, second])
    db.session.flush()
    events = [
        Event(feedback_id=first.id, kind="created", data={"channel": "widget"}),
        Event(feedback_id=first.id, actor_id=agent.id, kind="assigned",
              data={"team": "Support", "assignee": kim.email}),
        Event(feedback_id=first.id, kind="routed", data={"rule": "Bugs", "team": "Support", "assignee": kim.email}),
        Event(feedback_id=first.id, kind="escalated", data={"threshold": 100, "deadline": "resolution",
                                                            "recipients": [kim.email, "https://hooks.example/x"]}),
        Event(feedback_id=first.id, actor_id=agent.id, kind="reclassified", data={
            "from": {"category": "bug", "impact": "low", "urgency": "low", "priority": "P5"},
            "to": {"category": "bug", "impact": "high", "urgency": "low", "priority": "P3"}}),
    ]
    for event in events:
        db.session.add(event)
        db.session.flush()
    items.change_status(first, Status.IN_PROGRESS, agent)
    items.merge([second, first], agent)
    assert words(first)[:6] == [
        "Received via widget.",
        "Agent Smith assigned it to Kim Keys (Support).",
        "Triage routed it to Kim Keys (Support) by the rule “Bugs”.",
        "Escalated it at 100% of the resolution target to Kim Keys, a webhook.",
        "Agent Smith corrected the impact from low to high; priority from P5 to P3.",
        "Agent Smith moved it from New to In progress.",
    ]
    assert f"Agent Smith merged #{second.id} into #{first.id}." in words(second)  # the oldest survives
    assert f"Agent Smith merged #{second.id} into #{first.id}." in words(first)


def test_the_item_page_shows_the_sentences(client, auth, project, agent):
    item = Feedback(project=project, title="Export crashes")
    db.session.add(item)
    db.session.flush()
    items.change_status(item, Status.WAITING, agent)
    db.session.commit()
    auth.login(agent)
    page = client.get(f"/board/items/{item.id}").get_data(as_text=True)
    assert "Agent Smith moved it from New to Waiting" in page and "new -&gt; waiting" not in page
