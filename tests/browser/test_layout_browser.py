"""Real text in a real browser: a 200-character title without spaces widens no page, and on a
390 px phone the top bar still shows "Sign out"."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.board_support import stored
from tests.browser.test_kanban_browser import sign_in
from tests.conftest import make_user
from triage.extensions import db
from triage.models import Role
from triage.services.accounts import create_project

LONG = "Checkout" * 25  # 200 characters, no space


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_long_word_widens_no_page_and_the_phone_keeps_sign_out(browser, live_app):
    project = create_project("shop", "Shop")
    item = stored(project, LONG, body=LONG * 3, priority="P1", category="bug")
    agent = make_user(Role.AGENT)
    db.session.commit()
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, live_app, agent)
    for path in ("/board/", f"/board/items/{item.id}", "/board/kanban", f"/status/{item.status_token}"):
        page.goto(f"{live_app.url}{path}")
        assert page_width(page) <= 1280, path
    page.goto(f"{live_app.url}/board/")
    box = page.locator(f'tr[data-item-id="{item.id}"] td:nth-child(4)').bounding_box()
    assert box and box["x"] + box["width"] <= 1280  # the priority column stays on the screen
    context.close()

    phone = browser.new_context(viewport={"width": 390, "height": 800})
    page = phone.new_page()
    sign_in(page, live_app, agent)
    sign_out = page.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_in_viewport()
    box = sign_out.bounding_box()
    assert box["x"] + box["width"] <= 390
    page.goto(f"{live_app.url}/status/{item.status_token}")
    assert page_width(page) <= 390
    phone.close()
