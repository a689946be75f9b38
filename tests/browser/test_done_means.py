"""The issues' "done means", tried in Chromium as a new user would.

The board, on the demo data: an end user reports a bug on the hosted form; the demo agent
filters the board, drags a card, raises the bug's impact and urgency, takes it and replies;
`flask triage sweep` (a real process) then sends the reply and, the P1 target shortened to two
minutes, the escalation emails to a real SMTP server. The widget: its snippet, copied from the
admin page onto a static page on another port, sends feedback that the board shows."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import serve
from tests.conftest import PASSWORD, make_user
from tests.servers import smtp_server  # noqa: F401  (fixture)
from triage.extensions import db
from triage.models import Feedback, Role, SlaPolicy, Status
from triage.services import demo
from triage.services.triage import policies
from triage.services.accounts import create_project

ROOT = Path(__file__).resolve().parents[2]
AGENT = "agent@demo.test"


def sweep(port: int) -> str:
    """`flask triage sweep` in its own process, on the test's database and SMTP server."""
    env = {**os.environ, "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
           "SECRET_KEY": "test", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "FLASK_APP": "wsgi"}
    done = subprocess.run([sys.executable, "-m", "flask", "triage", "sweep"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_demo_agent_filters_drags_replies_and_the_sweep_escalates(page, make_app, smtp_server):  # noqa: F811
    sink, port = smtp_server
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    with app.app_context():
        run_the_tour(page, app, sink, port)


def run_the_tour(page, app, sink, port: int) -> None:
    with serve(app) as url:
        passwords = {email: password for _, email, password in demo.seed(40)}
        db.session.commit()

        # An end user reports a bug on the hosted form.
        page.goto(f"{url}/p/demo")
        page.get_by_label("Report a bug").check()
        page.get_by_label("Summary").fill("Payment page charges my card twice")
        page.get_by_label("Details").fill("After paying, the order page shows two charges of 49 EUR.")
        page.get_by_label("Your email (optional, for replies)").fill("erin@example.com")
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_text("Thank you")).to_be_visible()
        bug = db.session.scalar(select(Feedback).where(Feedback.title.startswith("Payment page")))
        bug.created_at -= timedelta(minutes=10)  # it came in ten minutes ago
        policy = db.session.scalar(select(SlaPolicy).where(SlaPolicy.priority == "P1"))
        for tier in policy.tiers:  # escalation was switched on a quarter of an hour ago
            tier.active_since -= timedelta(minutes=15)
        policies.save_policy(policy, priority="P1", first_response_minutes=1, resolution_minutes=2,
                             business_hours=False)  # the admin shortens the P1 target
        db.session.commit()

        # The demo agent signs in and filters the board.
        page.goto(f"{url}/auth/login")
        page.fill("input[name=email]", AGENT)
        page.fill("input[name=password]", passwords[AGENT])
        page.click("main button[type=submit], main input[type=submit]")
        page.wait_for_url(f"{url}/board/**")
        page.locator("#filters select[name=category]").select_option("bug")
        page.locator("#filters button[type=submit]").click()
        page.wait_for_url("**category=bug**")
        rows = page.locator("table tbody tr")
        expect(rows.first).to_be_visible()
        categories = {c.strip() for c in rows.locator("td:nth-child(5)").all_inner_texts()}
        assert categories and {c.split()[0] for c in categories} == {"bug"}

        # ... drags a card on the kanban from New to In progress, without a reload.
        page.goto(f"{url}/board/kanban")
        card = page.locator('.kanban-column[data-status="new"] .kanban-card').first
        moved = int(card.get_attribute("data-id"))
        card.drag_to(page.locator("#col-in_progress"))  # the column's heading, in view
        expect(page.locator(f'.kanban-column[data-status="in_progress"] .kanban-card[data-id="{moved}"]')).to_be_visible()
        db.session.expire_all()
        assert db.session.get(Feedback, moved).status == Status.IN_PROGRESS

        # ... opens the new bug, makes it P1, takes it and replies to its submitter.
        page.goto(f"{url}/board/items/{bug.id}")
        page.get_by_label("Impact").select_option("high")  # the triage panel: one form, one submit
        page.get_by_label("Urgency").select_option("high")
        page.get_by_label("Assignee").select_option(label="Sam Support")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_text("Saved: classification")).to_be_visible()
        page.get_by_label("Comment").fill("Thanks Erin, we are refunding the second charge now.")
        page.get_by_label("Public reply").check()
        page.get_by_role("button", name="Add").click()
        expect(page.get_by_text("we are refunding the second charge")).to_be_visible()
        db.session.expire_all()
        bug = db.session.get(Feedback, bug.id)
        assert (bug.priority, bug.assignee.email) == ("P1", AGENT)
        assert bug.resolution_due < bug.created_at + timedelta(minutes=3)  # the shortened target

    assert "failed 0, dead 0" in sweep(port)  # the demo's backlog from before the tiers stays quiet
    to_submitter = sink.to("erin@example.com")
    assert len(to_submitter) == 1 and "refunding the second charge" in to_submitter[0]["body"]
    escalations = [m for m in sink.messages if f"#{bug.id} [P1]" in m["body"]]
    # past every tier: only the highest that reaches someone fires (the team has no manager): the lead's
    assert [m["to"][0] for m in escalations] == ["admin@demo.test"]
    recipients = [m["to"][0] for m in sink.messages]
    assert len(recipients) == len(set(recipients))  # one message per person per sweep
    before = len(sink.messages)
    sweep(port)
    assert len(sink.messages) == before  # each tier fires once


def test_admin_snippet_pasted_into_a_static_page_sends_feedback_the_board_shows(browser, page, live_app, host_sites):
    """The widget's "done means": the admin allows a site and copies the snippet from the
    project's page into a static HTML file on another port; a visitor sends feedback there;
    staff see it on the board with its context."""
    site = host_sites("static-site")
    project = create_project("site", "Site")
    admin = make_user(Role.ADMIN)
    page.goto(f"{live_app.url}/auth/login")
    page.fill("input[name=email]", admin.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit], main input[type=submit]")
    page.goto(f"{live_app.url}/admin/projects/{project.id}")
    page.get_by_label("Sites that may embed the widget").fill(site.origin)
    page.get_by_role("button", name="Save project").click()
    page.goto(f"{live_app.url}/admin/projects/{project.id}")
    snippet = page.locator(".embed-snippet").inner_text()
    url = site.page("index.html", f"<!doctype html><html><head><title>Static</title></head>"
                                  f"<body><h1>Our site</h1>{snippet}</body></html>")

    visitor = browser.new_context(viewport={"width": 1024, "height": 700})
    try:
        visit = visitor.new_page()
        visit.goto(url)
        visit.get_by_role("button", name="Feedback", exact=True).click()
        visit.get_by_label("Message").fill("The pricing table overlaps the footer on small screens")
        visit.wait_for_timeout(1000)  # people take longer than the anti-bot minimum fill time (1 s here)
        visit.get_by_role("button", name="Send").click()
        expect(visit.get_by_text("Thank you!")).to_be_visible()
    finally:
        visitor.close()

    page.goto(f"{live_app.url}/board/?status=any")
    page.get_by_role("link", name="The pricing table overlaps the footer on small screens").click()
    expect(page.get_by_text(url).first).to_be_visible()  # the page it came from
    expect(page.get_by_text("1024x700").first).to_be_visible()  # the visitor's viewport
