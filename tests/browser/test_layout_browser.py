"""Real text in a real browser: a 200-character title without spaces widens no page, ordinary
words stay whole on a 390 px phone, and there the top bar still shows "Sign out"."""
from __future__ import annotations

import os
from datetime import timedelta

from playwright.sync_api import expect

from tests.board_support import stored
from tests.browser.test_kanban_browser import sign_in
from tests.conftest import make_user
from triage.extensions import db
from triage.models import Role, utcnow
from triage.services.accounts import create_project

LONG = "Checkout" * 25  # 200 characters, no space


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


# How many lines a word takes in an element: the client rectangles of a Range around it.
WORD_LINES = """([selector, word]) => {
  const walker = document.createTreeWalker(document.querySelector(selector), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(word);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + word.length);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
  }
  return 0;
}"""


def word_lines(page, selector: str, word: str) -> int:
    return page.evaluate(WORD_LINES, [selector, word])


def screenshot(page, name: str) -> None:
    """With TRIAGE_SCREENSHOTS=<folder>, keep a full-page PNG to look at."""
    if folder := os.environ.get("TRIAGE_SCREENSHOTS"):
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


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
        screenshot(page, "1280" + path.replace("/", "-"))
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


def test_ordinary_words_stay_whole_in_the_inbox_on_a_phone(browser, live_app):
    project = create_project("shop", "Shop")
    item = stored(project, "Refund confirmation emails arrive twice", priority="P2", category="bug",
                  resolution_due=utcnow() - timedelta(days=2))
    long_item = stored(project, LONG, priority="P1", category="bug")
    agent = make_user(Role.AGENT)
    db.session.commit()
    phone = browser.new_context(viewport={"width": 390, "height": 800})
    page = phone.new_page()
    sign_in(page, live_app, agent)
    page.goto(f"{live_app.url}/board/")
    row = f'tr[data-item-id="{item.id}"]'
    for word in ("Refund", "confirmation", "emails", "arrive", "twice"):
        assert word_lines(page, f"{row} td:nth-child(3) a", word) == 1, word
    assert word_lines(page, f"{row} .sla-badge", "breached") == 1
    assert word_lines(page, ".inbox-table thead", "Priority") == 1
    assert word_lines(page, f"{row} td:nth-child(6) .badge", "New") == 1
    assert word_lines(page, f'tr[data-item-id="{long_item.id}"] td:nth-child(3) a', LONG) > 1  # the long one wraps
    for path in ("/board/", f"/board/items/{long_item.id}", "/board/kanban", f"/status/{long_item.status_token}"):
        page.goto(f"{live_app.url}{path}")
        assert page_width(page) <= 390, path  # the inbox's table and the kanban scroll in their own boxes
        screenshot(page, "390" + path.replace("/", "-"))
    page.goto(f"{live_app.url}/board/kanban")
    assert word_lines(page, f'.kanban-card[data-id="{item.id}"] a', "confirmation") == 1
    phone.close()
