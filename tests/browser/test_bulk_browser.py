"""Bulk in the browser: labelled controls, a merge asks first, nothing ticked is said on the page."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.board_support import stored
from tests.browser.test_kanban_browser import sign_in
from tests.conftest import make_user
from triage.extensions import db
from triage.models import Feedback, Role
from triage.services.accounts import create_project


def test_a_merge_asks_first_and_nothing_ticked_is_said_inline(page, live_app):
    project = create_project("shop", "Shop")
    found = [stored(project, f"Crash {n}", priority="P2") for n in range(2)]
    agent = make_user(Role.AGENT)
    db.session.commit()
    sign_in(page, live_app, agent)
    page.goto(f"{live_app.url}/board/")
    page.wait_for_selector("html[data-shortcuts=on]", state="attached")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_text("tick at least one item first")).to_be_visible()

    page.get_by_label("Bulk action").select_option("merge")
    for item in found:
        page.get_by_label(f"Select #{item.id}").check()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Apply to selected").click()
    assert asked and "Merge the 2 ticked items" in asked[0]
    db.session.expire_all()
    assert all(db.session.get(Feedback, i.id).duplicate_of_id is None for i in found)  # dismissed: nothing merged
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_text("selected items changed")).to_be_visible()
    db.session.expire_all()
    assert sum(db.session.get(Feedback, i.id).duplicate_of_id is not None for i in found) == 1
