"""The kanban in headless Chromium: a card moves by keyboard and by drag and drop through
the status endpoint without a page reload; with JavaScript off, the card's form still works."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.board_support import stored
from tests.conftest import PASSWORD, make_user
from triage.extensions import db
from triage.models import Role, Status
from triage.services.accounts import create_project


def sign_in(page, live_app, user) -> None:
    page.goto(f"{live_app.url}/auth/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url)  # agents land on /board, PMs on /insights


def status_of(item) -> Status:
    db.session.expire_all()
    return db.session.get(type(item), item.id).status


def test_a_card_moves_by_keyboard_and_by_drag_and_drop(page, live_app):
    project = create_project("shop", "Shop")
    item = stored(project, "Checkout hangs", priority="P1")
    db.session.commit()
    sign_in(page, live_app, make_user(Role.AGENT))
    page.goto(f"{live_app.url}/board/kanban")
    page.evaluate("window.notReloaded = true")
    card = page.locator(f'.kanban-card[data-id="{item.id}"]')
    expect(card.locator(".kanban-form")).to_be_hidden()
    card.focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator('.kanban-column[data-status="triaged"] .kanban-card')).to_have_count(1)
    expect(page.locator("#kanban-status")).to_contain_text("moved to Triaged")
    assert status_of(item) == Status.TRIAGED
    expect(card).to_be_focused()
    card.locator('[data-move="1"]').click()
    expect(page.locator('.kanban-column[data-status="in_progress"] .kanban-card')).to_have_count(1)
    card.drag_to(page.locator('.kanban-column[data-status="waiting"]'))
    expect(page.locator('.kanban-column[data-status="waiting"] .kanban-card')).to_have_count(1)
    assert status_of(item) == Status.WAITING
    assert page.evaluate("window.notReloaded") is True


def test_without_javascript_the_card_form_moves_it(browser, live_app):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        project = create_project("shop", "Shop")
        item = stored(project, "Checkout hangs", priority="P1")
        db.session.commit()
        sign_in(page, live_app, make_user(Role.AGENT))
        page.goto(f"{live_app.url}/board/kanban?priority=P1")
        card = page.locator(f'.kanban-card[data-id="{item.id}"]')
        card.locator("select[name=status]").select_option("in_progress")
        card.locator("button[type=submit]").click()
        page.wait_for_url(f"{live_app.url}/board/kanban?priority=P1")
        expect(page.locator('.kanban-column[data-status="in_progress"] .kanban-card')).to_have_count(1)
        assert status_of(item) == Status.IN_PROGRESS
    finally:
        context.close()


def test_a_moved_card_lands_in_priority_order_and_the_counts_follow(page, live_app):
    project = create_project("shop", "Shop")
    urgent = stored(project, "Payments down", priority="P1")
    minor = [stored(project, f"Typo {n}", priority="P4", status=Status.TRIAGED) for n in range(2)]
    db.session.commit()
    sign_in(page, live_app, make_user(Role.AGENT))
    page.goto(f"{live_app.url}/board/kanban")
    counts = {s: page.locator(f'.kanban-column[data-status="{s}"] .kanban-count') for s in ("new", "triaged")}
    expect(counts["new"]).to_have_text("1")
    expect(counts["triaged"]).to_have_text("2")
    page.locator(f'.kanban-card[data-id="{urgent.id}"]').focus()
    page.keyboard.press("ArrowRight")
    ids = page.locator('.kanban-column[data-status="triaged"] .kanban-card')
    expect(ids).to_have_count(3)
    assert ids.first.get_attribute("data-id") == str(urgent.id)  # the P1 above the P4s
    expect(counts["new"]).to_have_text("0")
    expect(counts["triaged"]).to_have_text("3")
    expect(page.locator("#kanban-status")).to_be_visible()  # said on the page, not only to screen readers
    assert minor and status_of(urgent) == Status.TRIAGED


def test_a_long_column_loads_the_rest_in_place_and_a_loaded_card_still_moves(browser, make_app):
    from tests.browser.conftest import LiveApp, serve

    app = make_app(BOARD_PAGE_SIZE=3)
    with serve(app) as url, app.app_context():
        live_app = LiveApp(app, url)
        project = create_project("shop", "Shop")
        items = [stored(project, f"Report {n}", priority="P3") for n in range(7)]
        db.session.commit()
        page = browser.new_page()
        sign_in(page, live_app, make_user(Role.AGENT))
        page.goto(f"{live_app.url}/board/kanban")
        page.evaluate("window.notReloaded = true")
        new = page.locator('.kanban-column[data-status="new"]')
        expect(new.locator(".kanban-count")).to_have_text("7")
        expect(new.locator(".kanban-card")).to_have_count(3)
        new.get_by_role("link", name="Load more new").click()
        expect(new.locator(".kanban-card")).to_have_count(6)
        expect(page.locator("#kanban-status")).to_contain_text("3 more cards in New")
        new.get_by_role("link", name="Load more new").click()
        expect(new.locator(".kanban-card")).to_have_count(7)
        expect(new.locator(".kanban-more")).to_have_count(0)
        shown = [int(i) for i in new.locator(".kanban-card").evaluate_all("cs => cs.map(c => c.dataset.id)")]
        assert shown == [item.id for item in items]  # each card once, in the board's order
        last = page.locator(f'.kanban-card[data-id="{items[-1].id}"]')
        expect(last.locator(".kanban-form")).to_be_hidden()  # the loaded card is wired like the others
        last.locator('[data-move="1"]').click()
        expect(page.locator('.kanban-column[data-status="triaged"] .kanban-card')).to_have_count(1)
        expect(new.locator(".kanban-count")).to_have_text("6")
        expect(page.locator('.kanban-column[data-status="triaged"] .kanban-count')).to_have_text("1")
        assert status_of(items[-1]) == Status.TRIAGED
        assert page.evaluate("window.notReloaded") is True
        page.close()
        db.session.remove()
