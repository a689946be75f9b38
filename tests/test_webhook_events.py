"""Webhook subscriptions: item events queued with their cause and posted signed; the SSRF guard."""
import ipaddress
import socket
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from tests import builders
from tests.conftest import Auth, csrf_from, make_user
from tests.servers import webhook_receiver  # noqa: F401  (fixture)
from triage.extensions import db
from triage.models import DeliveryChannel, DeliveryStatus, EscalationTarget, Kind, Notification, Role, Status, Webhook
from triage import worker
from triage.services import DomainError, items
from triage.services.delivery import notify, outbound
from triage.services.triage import policies
from triage.services.intake import Submission, submit_feedback

INTERNAL_URLS = ["http://127.0.0.1/", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/",
                 "http://[::1]/", "http://localhost/", "file:///etc/passwd", "http://2130706433/",
                 "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://224.0.0.1/",
                 "https://user:pw@hooks.example.com/"]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def subscribed(url: str, *events: str, **fields) -> Webhook:
    hook = Webhook(name="ops", url=url, secret="s3cret", events=list(events), **fields)
    db.session.add(hook)
    db.session.commit()
    return hook


def queued(hook: Webhook) -> Notification:
    note = notify.enqueue(dedupe_key="k", channel=DeliveryChannel.WEBHOOK, recipient=hook.url, subject="s",
                          text="t", webhook=hook)
    db.session.commit()
    return note


def post_form(client, path, **data):
    return client.post(path, data={**data, "csrf_token": csrf_from(client, path)})


@pytest.fixture
def item(project):
    found = submit_feedback(project, Submission(kind=Kind.BUG, title="Export crashes"))
    db.session.commit()
    return found


class FakeDns(dict):
    """Answers for made-up host names, and the names looked up through it."""

    def __init__(self):
        super().__init__()
        self.lookups: list[str] = []


@pytest.fixture
def fake_dns(monkeypatch):
    """Resolves the names put in it; every other name goes to the real resolver."""
    dns, real = FakeDns(), socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        dns.lookups.append(host)
        if host in dns:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (dns[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return dns


def test_a_status_change_in_the_ui_posts_once_signed_to_the_subscribed_webhook(
        client, auth, agent, item, webhook_receiver):  # noqa: F811
    receiver, url = webhook_receiver
    receiver.secret = "s3cret"
    hook = subscribed(url, "status_changed")
    auth.login(agent)
    page, token = f"/board/items/{item.id}", csrf_from(client, f"/board/items/{item.id}")
    assert client.post(f"{page}/status", data={"status": "in_progress", "csrf_token": token}).status_code == 302
    assert client.post(f"{page}/comments", data={"body": "looking", "csrf_token": token}).status_code == 302
    [note] = db.session.scalars(select(Notification)).all()  # the note (kind "commented") is not subscribed
    assert note.webhook_id == hook.id and note.dedupe_key.startswith("event:") and note.feedback_id == item.id
    assert worker.deliver_pending().sent == 1 and worker.deliver_pending().sent == 0
    [got] = receiver.received
    assert receiver.bad_signatures == 0 and got["headers"]["X-Triage-Delivery"] == note.dedupe_key
    body = got["body"]
    assert (body["event"], body["data"], body["actor"]["name"]) == (
        "status_changed", {"from": "new", "to": "in_progress"}, "Agent Smith")
    assert body["item"]["id"] == item.id and body["item"]["status"] == "in_progress"
    assert body["item"]["url"].endswith(f"/board/items/{item.id}") and body["at"]


def test_nothing_is_queued_when_the_request_fails_after_the_change(client, auth, agent, item, monkeypatch):
    subscribed("https://hooks.example.com/x", "status_changed")
    seen, real = [], items.change_status

    def change_then_fail(*args):
        real(*args)
        db.session.flush()
        seen.append(count(Notification))  # queued inside the request's transaction...
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(items, "change_status", change_then_fail)
    auth.login(agent)
    token = csrf_from(client, f"/board/items/{item.id}")
    with pytest.raises(RuntimeError):
        client.post(f"/board/items/{item.id}/status", data={"status": "resolved", "csrf_token": token})
    assert seen == [1] and count(Notification) == 0  # ...and gone with it


def test_events_of_inactive_or_unsubscribed_webhooks_queue_nothing(item, agent):
    subscribed("https://hooks.example.com/a", "replied")
    subscribed("https://hooks.example.com/b", "status_changed", active=False)
    items.change_status(item, Status.WAITING, agent)
    db.session.commit()
    assert count(Notification) == 0


def test_webhooks_are_read_once_per_transaction_and_not_without_events(project, agent):
    subscribed("https://hooks.example.com/a", "created", "status_changed", "assigned")
    statements = []

    def record(_conn, _cursor, sql, *_args):
        statements.append(sql)

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        found = submit_feedback(project, Submission(kind=Kind.BUG, title="Slow search"))  # created, then routed, ...
        items.change_status(found, Status.IN_PROGRESS, agent)
        db.session.commit()
        reads = sum("FROM webhooks" in sql for sql in statements)
        items.change_status(found, Status.IN_PROGRESS, agent)  # no change, no event
        db.session.commit()
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    assert reads == 1 and sum("FROM webhooks" in sql for sql in statements) == 1
    assert count(Notification) == 2


def test_a_tier_webhook_hears_an_escalation_once_and_a_subscriber_hears_it_too(project):
    tier_hook = subscribed("https://hooks.example.com/tier", "escalated")
    other = subscribed("https://hooks.example.com/other", "escalated")
    policy = builders.policy("P2", tiers=((100, EscalationTarget.LEAD),))
    policy.tiers[0].channel, policy.tiers[0].webhook = DeliveryChannel.WEBHOOK, tier_hook
    db.session.commit()
    builders.item(project, builders.utcnow() - timedelta(hours=10), priority="P2")
    assert worker.sweep(deliver=False).fired == 1
    keys = sorted((n.webhook_id, n.dedupe_key.split(":")[0]) for n in db.session.scalars(select(Notification)))
    assert keys == [(tier_hook.id, "esc"), (other.id, "event")]


def test_slack_gets_a_short_text_for_an_event(item, agent):
    subscribed("https://hooks.slack.example.com/T1", "status_changed", preset="slack")
    items.change_status(item, Status.IN_PROGRESS, agent)
    db.session.commit()
    note = db.session.scalars(select(Notification)).one()
    body = notify.webhook_body("slack", note.subject, note.payload)
    assert set(body) == {"text"} and "status changed from new to in progress (Agent Smith)" in body["text"]


def test_the_admin_picks_the_events_a_webhook_receives(client, auth, admin):
    auth.login(admin)
    page = client.get("/admin/webhooks/new").get_data(as_text=True)
    assert 'type="checkbox"' in page and 'value="status_changed"' in page and 'value="notified"' not in page
    data = dict(name="Ops", url="https://hooks.example.com/ops", preset="generic", active="y")
    assert post_form(client, "/admin/webhooks/new", **data, events=["replied", "status_changed"]).status_code == 302
    hook = db.session.scalars(select(Webhook)).one()
    assert hook.events == ["status_changed", "replied"]
    assert "status changed, replied" in client.get("/admin/webhooks").get_data(as_text=True)
    assert post_form(client, f"/admin/webhooks/{hook.id}", **data).status_code == 302
    db.session.refresh(hook)
    assert hook.events == []
    assert post_form(client, "/admin/webhooks/new", **data, events=["notified"]).status_code == 422


@pytest.fixture
def guarded(make_app):
    """An app that refuses internal webhook addresses, as in production."""
    app = make_app(WEBHOOK_ALLOW_PRIVATE=False)
    with app.app_context():
        yield app


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_an_internal_webhook_url_is_a_form_error(guarded, url):
    client = guarded.test_client()
    Auth(client).login(make_user(Role.ADMIN))
    response = post_form(client, "/admin/webhooks/new", name="x", url=url, preset="generic", active="y")
    assert response.status_code == 422 and count(Webhook) == 0
    with pytest.raises(DomainError):
        policies.save_webhook(None, name="x", url=url, preset="generic", active=True)


def test_a_name_resolving_to_an_internal_address_is_refused_and_a_public_one_saved(guarded, fake_dns):
    fake_dns.update({"intranet.example.com": "10.1.2.3", "hooks.example.com": "93.184.215.14"})
    with pytest.raises(DomainError, match="internal address 10.1.2.3"):
        policies.save_webhook(None, name="x", url="https://intranet.example.com/h", preset="generic", active=True)
    policies.save_webhook(None, name="x", url="https://hooks.example.com/h", preset="generic", active=True)
    policies.save_webhook(None, name="y", url="https://not-yet.invalid/h", preset="generic", active=True)
    assert count(Webhook) == 2  # a name without an address yet is checked at delivery


def test_a_delivery_to_an_internal_address_fails_without_connecting(guarded, webhook_receiver):  # noqa: F811
    receiver, url = webhook_receiver
    hook = subscribed(url, "status_changed")  # stored directly, past the form's check
    note = queued(hook)
    assert worker.deliver_pending().failed == 1
    db.session.refresh(note)
    assert receiver.attempts == 0 and note.status == DeliveryStatus.PENDING
    assert note.last_error.startswith("BlockedURL: 127.0.0.1 is the internal address 127.0.0.1")


def test_a_name_that_turns_internal_after_saving_is_refused_at_delivery(guarded, fake_dns):
    fake_dns["hooks.example.com"] = "93.184.215.14"
    hook = policies.save_webhook(None, name="x", url="http://hooks.example.com/h", preset="generic", active=True)
    fake_dns["hooks.example.com"] = "169.254.169.254"  # DNS rebinding to the cloud metadata service
    note = queued(hook)
    assert worker.deliver_pending().failed == 1
    db.session.refresh(note)
    assert "internal address 169.254.169.254" in note.last_error


def test_the_delivery_connects_to_the_address_it_checked(app, fake_dns, webhook_receiver):  # noqa: F811
    receiver, url = webhook_receiver
    port = url.split(":")[2].split("/")[0]
    fake_dns["receiver.example.com"] = "127.0.0.1"
    hook = subscribed(f"http://receiver.example.com:{port}/hook", "created")
    receiver.secret = hook.secret
    queued(hook)
    assert worker.deliver_pending().sent == 1
    assert fake_dns.lookups.count("receiver.example.com") == 1  # the check's; the connection used its answer
    assert receiver.received[0]["headers"]["Host"] == f"receiver.example.com:{port}"


@pytest.mark.parametrize("address, internal", [("8.8.8.8", False), ("2606:4700::1111", False),
                                               ("100.64.0.1", True), ("fc00::1", True), ("fe80::1", True),
                                               ("::ffff:10.0.0.1", True), ("192.168.1.1", True)])
def test_internal_addresses_are_recognised(address, internal):
    assert outbound.is_internal(ipaddress.ip_address(address)) is internal
