"""The notification outbox: email over SMTP, signed webhooks, retries, dead letters."""
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import make_user
from tests.servers import smtp_server, webhook_receiver  # noqa: F401  (fixtures)
from triage.extensions import db
from triage.models import DeliveryChannel, DeliveryStatus, Event, Feedback, Notification, Role, Webhook, utcnow
from triage import worker
from triage.services import items
from triage.services.delivery import notify


@pytest.fixture
def mail_app(make_app, smtp_server):  # noqa: F811
    sink, port = smtp_server
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port, NOTIFY_MAX_ATTEMPTS=3,
                   PUBLIC_BASE_URL="https://triage.example")
    with app.app_context():
        yield app, sink


def make_item(project, **fields) -> Feedback:
    item = Feedback(project=project, title=fields.pop("title", "Export crashes"), **fields)
    db.session.add(item)
    db.session.commit()
    return item


def hook_note(url: str, key: str = "hook:1", preset: str = "generic") -> Notification:
    hook = Webhook(name="ops", url=url, secret="s3cret", preset=preset)
    db.session.add(hook)
    db.session.flush()
    note = notify.enqueue(dedupe_key=key, channel=DeliveryChannel.WEBHOOK, recipient=url,
                          subject="Item #1 breached", text="Export crashes", webhook=hook,
                          data={"event": "escalated"})
    db.session.commit()
    return note


def test_public_reply_emails_the_submitter_with_the_status_link(mail_app):
    app, sink = mail_app
    from triage.services.accounts import create_project

    item = make_item(create_project("demo", "Demo"), submitter_email="ann@example.com")
    agent = make_user(Role.AGENT)
    items.add_comment(item, agent, "Fixed in 2.1, thanks!", public=True)
    items.add_comment(item, agent, "internal: was a null pointer", public=False)
    db.session.commit()
    assert worker.deliver_pending().sent == 1
    [mail] = sink.to("ann@example.com")
    assert mail["subject"] == "Re: Export crashes"
    assert "Fixed in 2.1" in mail["body"] and f"https://triage.example/status/{item.status_token}" in mail["body"]
    assert "null pointer" not in mail["body"]
    assert item.first_responded_at is not None
    event = db.session.scalars(select(Event).where(Event.kind == "notified")).one()
    assert event.data["recipient"] == "ann@example.com" and event.feedback_id == item.id


def test_a_reply_to_an_anonymous_item_queues_nothing(mail_app):
    from triage.services.accounts import create_project

    item = make_item(create_project("demo", "Demo"))
    items.add_comment(item, make_user(Role.AGENT), "Thanks", public=True)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_enqueue_with_a_taken_dedupe_key_adds_nothing(app):
    args = dict(dedupe_key="k", channel=DeliveryChannel.EMAIL, recipient="a@example.com", subject="s", text="t")
    assert notify.enqueue(**args) is not None
    assert notify.enqueue(**args) is None
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 1
    odd = notify.enqueue(**{**args, "dedupe_key": "k2", "subject": "Re: line one\r\nBcc: x@evil.test"})
    assert odd.subject == "Re: line one Bcc: x@evil.test"  # a title never becomes a second header


def test_a_webhook_that_fails_twice_gets_the_signed_message_on_the_third_try(mail_app, webhook_receiver):  # noqa: F811
    receiver, url = webhook_receiver
    receiver.secret, receiver.fail_next = "s3cret", 2
    note = hook_note(url)
    now = utcnow()
    assert worker.deliver_pending(now).failed == 1
    assert worker.deliver_pending(now).failed == 0  # not due again before its backoff
    assert worker.deliver_pending(now + timedelta(seconds=31)).failed == 1
    db.session.refresh(note)
    assert (note.attempts, note.status, note.last_error) == (2, DeliveryStatus.PENDING, "RuntimeError: HTTP 503: busy")
    assert note.next_attempt_at >= now + timedelta(seconds=31 + 60)  # the wait doubled
    assert worker.deliver_pending(now + timedelta(minutes=10)).sent == 1
    db.session.refresh(note)
    assert (note.attempts, note.status, note.last_error) == (3, DeliveryStatus.SENT, None)
    assert receiver.attempts == 3 and receiver.bad_signatures == 0
    [got] = receiver.received
    assert got["body"]["text"] == "Export crashes" and got["headers"]["X-Triage-Delivery"] == "hook:1"


def test_a_notification_is_dead_after_the_last_attempt_and_keeps_its_error(mail_app, webhook_receiver):  # noqa: F811
    receiver, url = webhook_receiver
    receiver.fail_next = 99
    note = hook_note(url)
    now = utcnow()
    for hours in range(4):
        worker.deliver_pending(now + timedelta(hours=hours))
    db.session.refresh(note)
    assert (note.status, note.attempts, receiver.attempts) == (DeliveryStatus.DEAD, 3, 3)
    assert "503" in note.last_error
    notify.retry(note)
    db.session.commit()
    receiver.fail_next = 0
    receiver.secret = "s3cret"
    assert worker.deliver_pending(now + timedelta(hours=5)).sent == 1


def test_a_wrong_secret_fails_the_receivers_signature_check(mail_app, webhook_receiver):  # noqa: F811
    receiver, url = webhook_receiver
    receiver.secret = "another"
    hook_note(url)
    assert worker.deliver_pending().failed == 1
    assert receiver.bad_signatures == 1 and receiver.received == []


def test_an_unreachable_smtp_server_is_retried_later(make_app):
    from tests.servers import free_port

    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TIMEOUT=2)
    with app.app_context():
        note = notify.enqueue(dedupe_key="k", channel=DeliveryChannel.EMAIL, recipient="a@example.com",
                              subject="s", text="t")
        db.session.commit()
        assert worker.deliver_pending().failed == 1
        db.session.refresh(note)
        assert note.status == DeliveryStatus.PENDING and "Connection refused" in note.last_error


def test_a_claimed_notification_is_not_sent_again_until_its_lease_ends(mail_app):
    app, sink = mail_app
    notify.enqueue(dedupe_key="k", channel=DeliveryChannel.EMAIL, recipient="a@example.com", subject="s", text="t")
    db.session.commit()
    now = utcnow()
    assert len(worker.claim(now, 10)) == 1  # the worker dies here, before sending
    assert worker.deliver_pending(now).sent == 0
    assert worker.deliver_pending(now + timedelta(minutes=5)).sent == 1
    assert worker.deliver_pending(now + timedelta(hours=5)).sent == 0
    assert len(sink.messages) == 1


@pytest.mark.parametrize("preset, keys", [("slack", {"text"}),
                                          ("teams", {"@type", "@context", "summary", "title", "text"}),
                                          ("generic", {"subject", "text", "event"})])
def test_slack_and_teams_presets_shape_the_body_their_way(preset, keys):
    body = notify.webhook_body(preset, "Item #1 breached", {"text": "Export crashes", "event": "escalated"})
    assert set(body) == keys and "Export crashes" in body["text"]


def test_the_signature_is_an_hmac_sha256_of_the_exact_body():
    import hashlib
    import hmac

    assert notify.sign("key", b"{}") == "sha256=" + hmac.new(b"key", b"{}", hashlib.sha256).hexdigest()


def deliver_in_two_workers(app, until_sent: int, timeout: float = 20) -> list:
    """Two worker threads, each with its own session, passing over the outbox at once until
    `until_sent` rows are sent; their summaries."""
    summaries, start = [], threading.Barrier(2)

    def work():
        with app.app_context():
            start.wait()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                summaries.append(worker.deliver_pending())
                if db.session.scalar(select(func.count()).select_from(Notification)
                                     .where(Notification.status == DeliveryStatus.SENT)) >= until_sent:
                    return
                time.sleep(0.05)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summaries


def queue_emails(count: int) -> None:
    for i in range(count):
        notify.enqueue(dedupe_key=f"slow:{i}", channel=DeliveryChannel.EMAIL, recipient=f"p{i}@example.com",
                       subject=f"Note {i}", text="Hello")
    db.session.commit()


def test_two_workers_over_a_slow_smtp_server_deliver_each_email_once(make_app, smtp_server):  # noqa: F811
    sink, port = smtp_server
    sink.delay = 0.3  # six emails take twice the retry backoff: the claim must hold longer than that
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port, NOTIFY_BACKOFF_SECONDS=1)
    with app.app_context():
        queue_emails(6)
        summaries = deliver_in_two_workers(app, until_sent=6)
    assert sorted(m["subject"] for m in sink.messages) == [f"Note {i}" for i in range(6)]
    assert sum(s.sent for s in summaries) == 6 and sum(s.failed + s.released for s in summaries) == 0


def test_a_batch_slower_than_its_lease_hands_back_the_rest_and_each_email_goes_once(
        make_app, smtp_server):  # noqa: F811
    sink, port = smtp_server
    sink.delay = 0.3
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port, OUTBOX_LEASE_SECONDS=2, SMTP_TIMEOUT=1,
                   NOTIFY_TIMEOUT=1)
    with app.app_context():
        queue_emails(8)
        summaries = deliver_in_two_workers(app, until_sent=8)
        notes = db.session.scalars(select(Notification)).all()
    assert sorted(m["subject"] for m in sink.messages) == sorted(f"Note {i}" for i in range(8))
    assert sum(s.released for s in summaries) > 0  # 8 x 0.3 s do not fit in one 2 s lease
    assert {n.attempts for n in notes} == {1}  # a handed-back claim is not counted as a try
