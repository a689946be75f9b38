"""Surveys in the widget, in headless Chromium on a host page from another origin: the
survey appears, is answered with mouse or keyboard, lands in the database, and is not
shown again after a reload."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from triage.extensions import db
from triage.models import Channel, SurveyKind, SurveyResponse
from triage.services.intake import surveys

QUESTION = "How likely are you to recommend us to a friend or colleague?"


def host_page(live_app, project) -> str:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<style>button {{ display: none !important; }}</style>
<script src="{live_app.url}/widget.js" data-key="{project.public_key}" data-app-version="4.2" async></script>
</head><body><h1>Shop</h1><a href="#top">Top</a></body></html>"""


def make_survey(project, kind=SurveyKind.NPS):
    survey = surveys.create_survey(project, kind, "", frequency_days=30)
    db.session.commit()
    return survey


def responses() -> list[SurveyResponse]:
    db.session.expire_all()
    return list(db.session.scalars(select(SurveyResponse)))


def load_and_ask(page, url: str):
    """Open the page and return the widget's /surveys/next answer."""
    with page.expect_response("**/api/v1/surveys/next*") as asked:
        page.goto(url)
    return asked.value.json()


def test_visitor_answers_the_survey_and_is_not_asked_again(page, live_app, shop):
    project, site = shop
    survey = make_survey(project)
    url = site.page("index.html", host_page(live_app, project))
    assert load_and_ask(page, url)["survey"]["token"] == survey.token
    dialog = page.get_by_role("dialog", name=QUESTION)
    expect(dialog).to_be_visible()
    expect(dialog.get_by_text("Not likely")).to_be_visible()
    dialog.get_by_role("button", name="Send").click()
    expect(dialog.get_by_text("Please choose a score.")).to_be_visible()
    nine = dialog.get_by_role("button", name="9", exact=True)
    nine.click()
    expect(nine).to_have_attribute("aria-pressed", "true")
    dialog.get_by_label("Why? (optional)").fill("Checkout is quick, search is not")
    dialog.get_by_role("button", name="Send").click()
    expect(dialog.get_by_text("Thank you for your answer!")).to_be_visible()
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()

    [answer] = responses()
    visitor = page.evaluate("JSON.parse(localStorage.getItem('triage.visitor'))")
    assert (answer.survey_id, answer.score, answer.respondent) == (survey.id, 9, f"visitor:{visitor}")
    assert answer.feedback.channel == Channel.SURVEY
    assert answer.app_version == answer.feedback.app_version == "4.2.0"  # release health reads it
    assert answer.feedback.body == "Checkout is quick, search is not"

    page.evaluate(f"localStorage.removeItem('triage.surveys.{project.public_key}')")  # the server alone decides
    assert load_and_ask(page, url) == {"survey": None}
    expect(page.get_by_role("button", name="Feedback", exact=True)).to_be_visible()
    expect(page.get_by_role("dialog", name=QUESTION)).to_be_hidden()


def test_keyboard_answers_an_open_question(page, live_app, shop):
    project, site = shop
    survey = surveys.create_survey(project, SurveyKind.SINGLE, "What should we build next?")
    db.session.commit()
    load_and_ask(page, site.page("index.html", host_page(live_app, project)))
    dialog = page.get_by_role("dialog", name="What should we build next?")
    expect(dialog).to_be_visible()
    answer_box = dialog.get_by_label("Your answer")
    answer_box.focus()
    page.keyboard.type("An export to CSV")
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Send")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog.get_by_text("Thank you for your answer!")).to_be_visible()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    [answer] = responses()
    assert (answer.survey_id, answer.feedback.title) == (survey.id, "An export to CSV")


def test_dismissed_survey_stays_away_on_this_browser(page, live_app, shop):
    project, site = shop
    make_survey(project, SurveyKind.CSAT)
    url = site.page("index.html", host_page(live_app, project))
    load_and_ask(page, url)
    dialog = page.get_by_role("dialog", name=surveys.DEFAULT_QUESTIONS[SurveyKind.CSAT])
    expect(dialog.get_by_role("button")).to_have_count(7)  # dismiss, 1-5, send
    dialog.get_by_role("button", name="3", exact=True).focus()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Feedback", exact=True)).to_be_focused()
    assert load_and_ask(page, url)["survey"] is not None  # the server would still ask...
    page.wait_for_timeout(300)
    expect(dialog).to_be_hidden()  # ...but this browser showed it within frequency_days
    assert responses() == []
