"""A PM in a real browser: runs the themes from the button, watches the job finish, opens a
theme, renames it and follows it from its page; the pages raise no CSP or script errors."""
from __future__ import annotations

from tests.conftest import PASSWORD, make_user
from tests.test_themes_app import seed
from triage import worker
from triage.extensions import db
from triage.models import Role, Theme
from triage.services.accounts import create_project


def test_a_pm_runs_themes_from_the_button_and_renames_one(page, live_app):
    project = create_project("shop", "Shop")
    db.session.commit()
    seed(project)
    pm = make_user(Role.PM)
    errors = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.goto(f"{live_app.url}/auth/login")
    page.fill("input[name=email]", pm.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit], main input[type=submit]")
    page.get_by_role("link", name="Themes", exact=True).click()
    page.get_by_role("button", name="Run themes now").click()
    assert "queued" in page.locator("main").inner_text()
    assert worker.run_job() is not None
    page.wait_for_selector("text=Themes run: done", timeout=10_000)  # the page refreshes itself
    page.locator("main table a").first.click()
    page.get_by_label("Name", exact=True).fill("Exports that crash")
    page.get_by_role("button", name="Rename").click()
    page.wait_for_selector("text=Renamed; runs keep this name.")
    assert "Exports that crash" in page.locator("h1").inner_text()
    db.session.expire_all()
    assert db.session.query(Theme).filter_by(name="Exports that crash", name_locked=True).count() == 1
    page.locator("main .theme-follow").get_by_role("button", name="Follow", exact=True).click()
    page.wait_for_selector("text=Following Exports that crash")
    assert "you follow this" in page.locator("main .theme-follow").inner_text()
    assert "Exports that crash" in page.locator("h1").inner_text()  # back on the theme's page
    page.locator("main .theme-follow").get_by_role("button", name="Unfollow").click()
    page.wait_for_selector("text=No longer following Exports that crash")
    assert "0 followers" in page.locator("main .theme-follow").inner_text()
    assert not errors, errors
