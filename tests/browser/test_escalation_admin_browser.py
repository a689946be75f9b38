"""The "done means" of the admin's part of issue 12, in Chromium: on the demo's backlog the
admin switches escalation tiers on for a policy through the SLA page, asking for the backlog;
a sweep then sends each person one digest (not hundreds) to the real SMTP server, naming the
items grouped by tier, and the page says which tiers left the backlog alone."""
from __future__ import annotations

import re
from collections import Counter

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import serve
from tests.servers import smtp_server  # noqa: F401  (fixture)
from triage import worker
from triage.extensions import db
from triage.models import EscalationTier, SlaPolicy
from triage.services import demo

ADMIN = "admin@demo.test"


def add_tier(card, percent: int, target: str) -> None:
    """Fill the policy card's tier form, ticking "also escalate the existing backlog"."""
    card.locator("select[name$=-deadline]").select_option("resolution")
    card.locator("input[name$=-threshold_percent]").fill(str(percent))
    card.locator("select[name$=-target]").select_option(target)
    card.locator("select[name$=-channel]").select_option("email")
    card.locator("input[name$=-include_backlog]").check()
    card.get_by_role("button", name="Add tier").click()


def test_admin_switches_escalation_on_over_the_demo_backlog_and_each_person_gets_one_digest(
        page, make_app, smtp_server):  # noqa: F811
    sink, port = smtp_server
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    with app.app_context(), serve(app) as url:
        passwords = {email: password for _, email, password in demo.seed(40)}
        policy = db.session.scalar(select(SlaPolicy).where(SlaPolicy.priority == "P5"))
        for tier in list(policy.tiers):  # P5 starts without tiers: the admin switches them on
            db.session.delete(tier)
        db.session.commit()
        assert worker.sweep().fired == 0 and sink.messages == []  # the other tiers leave the backlog alone

        page.goto(f"{url}/auth/login")
        page.get_by_label("Email").fill(ADMIN)
        page.get_by_label("Password").fill(passwords[ADMIN])
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{url}/admin/sla")
        card = page.locator(".card", has=page.get_by_role("link", name="P5", exact=True))
        expect(card.get_by_text("No escalation tiers.")).to_be_visible()
        add_tier(card, 10, "assignee")
        expect(page.get_by_text("Tier added to P5.")).to_be_visible()
        card = page.locator(".card", has=page.get_by_role("link", name="P5", exact=True))
        add_tier(card, 40, "lead")
        expect(page.get_by_text("Tier added to P5.")).to_be_visible()

        db.session.remove()  # read what the server's requests committed
        summary = worker.sweep()
        assert summary.fired >= 5  # the backlog, as asked
        per_person = Counter(m["to"][0] for m in sink.messages)
        assert per_person and set(per_person.values()) == {1}, per_person  # one digest each, not hundreds
        assert summary.digests == len(sink.messages)
        lead = next(m for m in sink.messages if m["to"][0] == ADMIN)["body"]
        assert re.search(r"Past 40% of the resolution target \(\d+ items?\)", lead)
        named = re.findall(r"#(\d+) \[P5\]", "".join(m["body"] for m in sink.messages))
        assert len(named) == summary.fired == len(set(named))  # each item once, in one digest
        assert worker.sweep().delivery.sent == 0  # and never again

        page.goto(f"{url}/admin/sla")
        card = page.locator(".card", has=page.get_by_role("link", name="P5", exact=True))
        expect(card.locator("tr", has_text="with the backlog")).to_have_count(2)
        other = page.locator(".card", has=page.get_by_role("link", name="P2", exact=True))
        expect(other.locator("tr", has_text="new breaches only")).to_have_count(3)
        assert db.session.scalar(select(EscalationTier).where(EscalationTier.include_backlog.is_(False))) is not None
