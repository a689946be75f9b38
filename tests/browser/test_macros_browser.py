"""Macros and bulk undo in Chromium: an agent picks a macro on the item page, reads the reply
filled for the item, edits it and sends it; the submitter's status page and email show it.
A bulk status change is undone from the inbox."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.board_support import stored
from tests.browser.conftest import LiveApp, serve
from tests.browser.test_kanban_browser import sign_in
from tests.conftest import make_user
from tests.servers import smtp_server  # noqa: F401  (fixture)
from triage import worker
from triage.extensions import db
from triage.models import Feedback, Role, Status
from triage.services.accounts import create_project
from triage.services.items import macros


def test_an_agent_sends_a_macro_reply_the_submitter_reads_filled(page, make_app, smtp_server):  # noqa: F811
    sink, port = smtp_server
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    with app.app_context(), serve(app) as url:
        item = stored(create_project("shop", "Shop"), "Export crashes", submitter_name="Ann",
                      submitter_email="ann@example.com", tags=[])
        agent = make_user(Role.AGENT, "sam@example.com", name="Sam Support")
        macros.save_macro(agent, "Fixed", "Hi {{ submitter.name }}, {{ item.number }} in {{ project.name }} is fixed. "
                          "{{ agent.name }}", Status.RESOLVED, "fixed", True)
        db.session.commit()
        sign_in(page, LiveApp(app, url), agent)
        page.goto(f"{url}/board/items/{item.id}")
        page.get_by_label("Macro", exact=True).select_option(label="Fixed")
        reply = page.get_by_label("Reply to send")
        filled = f"Hi Ann, #{item.id} in Shop is fixed. Sam Support"
        expect(reply).to_have_value(filled)  # the preview, filled for this item
        reply.fill(filled + " Sorry for the wait!")
        page.get_by_role("button", name="Send reply").click()
        expect(page.get_by_text("Macro applied: reply, status, tags.")).to_be_visible()

        db.session.expire_all()
        item = db.session.get(Feedback, item.id)
        assert (item.status, item.tags) == (Status.RESOLVED, ["fixed"])
        page.goto(f"{url}/status/{item.status_token}")
        expect(page.get_by_text(filled + " Sorry for the wait!")).to_be_visible()
        worker.deliver_pending()
        assert any(filled in mail["body"] for mail in sink.to("ann@example.com"))


def test_a_bulk_status_change_is_undone_from_the_inbox(page, live_app):
    project = create_project("shop", "Shop")
    found = [stored(project, f"Crash {n}", priority="P2", status=Status.TRIAGED) for n in range(2)]
    agent = make_user(Role.AGENT)
    db.session.commit()
    sign_in(page, live_app, agent)
    page.goto(f"{live_app.url}/board/")
    page.get_by_label("Bulk action").select_option("status")
    page.locator("#bulk-status").select_option("resolved")
    for item in found:
        page.get_by_label(f"Select #{item.id}").check()
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_text("2 of 2 selected items changed")).to_be_visible()
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("Undone on 2 items.")).to_be_visible()
    db.session.expire_all()
    assert [db.session.get(Feedback, i.id).status for i in found] == [Status.TRIAGED, Status.TRIAGED]
