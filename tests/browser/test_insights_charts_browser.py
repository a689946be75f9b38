"""The insights charts in headless Chromium: each SVG chart loads as an image from the app
(within its CSP: no violation reported), is drawn at its size and has its table and CSV."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from tests.board_support import stored
from tests.browser.test_kanban_browser import sign_in
from tests.conftest import make_user
from triage import worker
from triage.extensions import db
from triage.models import Role, Theme, utcnow
from triage.services.accounts import create_project

CHARTS = ("category", "priority", "surveys", "impact", "sla")


def test_a_pm_opens_each_chart(page, live_app):
    project = create_project("shop", "Shop")
    theme = Theme(project=project, name="Slow checkout")
    db.session.add(theme)
    for days in range(6):
        stored(project, f"Checkout hangs {days}", theme=theme, category="bug", priority="P2",
               created_at=utcnow() - timedelta(days=days))
    db.session.commit()
    worker.aggregate_pass()
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    sign_in(page, live_app, make_user(Role.PM))
    page.goto(f"{live_app.url}/insights/")
    page.get_by_role("link", name="Charts").click()
    for name in CHARTS:
        image = page.locator(f"#chart-{name} img")
        expect(image).to_be_visible()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        assert image.evaluate("img => img.naturalWidth") > 300, name
        page.locator(f"#chart-{name} summary").click()
        expect(page.locator(f"#chart-{name} table")).to_be_visible()
        csv_link = page.locator(f"#chart-{name} a", has_text="CSV")
        assert csv_link.get_attribute("href").startswith(f"/insights/charts/{name}.csv")
    expect(page.locator("#chart-impact table")).to_contain_text("Slow checkout")
    page.goto(f"{live_app.url}/insights/charts/category.svg?project={project.id}")
    assert violations == []
