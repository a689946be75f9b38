""""Me too" in headless Chromium: similar public reports offered while typing on the hosted form
and in the widget on another origin, and a click counts one vote."""
from __future__ import annotations

from playwright.sync_api import expect

from triage.extensions import db
from triage.models import Kind, Vote
from triage.services import intake
from triage.services.intake import Submission

TITLE = "Dark mode for the dashboard"


def idea(project):
    found = intake.submit_feedback(project, Submission(
        kind=Kind.IDEA, title=TITLE, body="Please add a dark theme to the dashboard, it is too bright at night."))
    db.session.commit()
    return found


def votes_on(item) -> list[Vote]:
    db.session.expire_all()
    return list(db.session.query(Vote).filter_by(feedback_id=item.id))


def test_the_hosted_form_offers_a_similar_idea_and_me_too_counts_once(page, live_app, shop):
    project, _ = shop
    wanted = idea(project)
    page.goto(f"{live_app.url}/p/{project.slug}")
    page.get_by_label("Summary").fill("A dark theme for the dashboard")
    offer = page.locator(".similar")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text(TITLE)
    page.get_by_role("button", name="Me too").click()
    expect(page.get_by_role("button", name="Counted, thank you")).to_be_visible()
    [vote] = votes_on(wanted)
    assert vote.source == "me_too"
    page.reload()
    page.get_by_label("Summary").fill("A dark theme for the dashboard")
    page.get_by_role("button", name="Me too").click()
    expect(page.get_by_role("button", name="Already counted")).to_be_visible()  # the same browser
    assert len(votes_on(wanted)) == 1


def test_the_widget_offers_a_similar_idea_and_me_too_counts(page, live_app, shop):
    project, site = shop
    wanted = idea(project)
    url = site.page("index.html", f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script src="{live_app.url}/widget.js" data-key="{project.public_key}" data-surveys="off" async></script>
</head><body><h1>Shop</h1></body></html>""")
    page.goto(url)
    page.wait_for_function("window.__triageWidget === 1")
    page.get_by_role("button", name="Feedback", exact=True).click()
    page.get_by_label("Message").fill("Could the dashboard get a dark theme?")
    expect(page.get_by_text(TITLE)).to_be_visible()
    page.get_by_label("Email (optional").fill("vera@example.com")
    page.get_by_role("button", name="Me too").click()
    expect(page.get_by_role("button", name="Counted, thank you")).to_be_visible()
    [vote] = votes_on(wanted)
    assert vote.source == "me_too" and vote.email == "vera@example.com"
