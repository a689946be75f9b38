"""Two-factor sign-in in Chromium: a user required to use it enrols after the password, then
signs in with a code."""
from __future__ import annotations

import time

import pyotp
from playwright.sync_api import expect

from tests.conftest import PASSWORD, make_user
from triage.extensions import db
from triage.models import Role


def password_step(page, live_app, email: str) -> None:
    page.goto(f"{live_app.url}/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit], input[type=submit]")


def test_a_required_user_enrols_after_the_password_then_signs_in_with_a_code(page, live_app):
    agent = make_user(Role.AGENT, "agent@example.com")
    agent.totp_required = True
    db.session.commit()

    password_step(page, live_app, agent.email)
    page.wait_for_url(f"{live_app.url}/auth/two-factor")
    expect(page.get_by_text("Your admin requires two-factor sign-in")).to_be_visible()
    expect(page.locator("#totp-qr svg")).to_be_visible()
    page.goto(f"{live_app.url}/board/")  # nothing else opens before enrolment
    page.wait_for_url(f"{live_app.url}/auth/two-factor")
    totp = pyotp.TOTP(page.locator("#totp-secret").inner_text())  # each visit shows a new secret
    page.get_by_label("Code the app shows now").fill(totp.now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)

    page.get_by_role("button", name="Sign out").click()
    password_step(page, live_app, agent.email)
    page.wait_for_url(f"{live_app.url}/auth/login/code")
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("That code is wrong or was already used.")).to_be_visible()
    page.get_by_label("Code").fill(totp.at(time.time() + totp.interval))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_app.url}/board/**")
