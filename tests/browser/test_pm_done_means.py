"""Issue #10's "done means", tried in Chromium as a product manager on the demo: open /insights,
see the top themes and why each ranks there, open one, see its trend, quote and items, export it
as CSV; replay the demo's spike and receive the email over real SMTP; merge two reports and see
both reporters follow the survivor."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import serve, sign_in
from tests.servers import smtp_server  # noqa: F401  (fixture)
from triage import worker
from triage.extensions import db
from triage.models import Feedback
from triage.services import demo

PM = "pm@demo.test"
REPORT = ("Invoice PDF download shows a blank page",
          "When I download an invoice as PDF from the billing page, the PDF opens as a blank white page.")


def test_a_pm_on_the_demo_ranks_exports_hears_a_spike_and_merges(page, make_app, smtp_server):  # noqa: F811
    sink, port = smtp_server
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    with app.app_context(), serve(app) as url:
        passwords = {email: password for _, email, password in demo.seed(120)}
        db.session.commit()
        worker.aggregate_pass()  # as `flask triage demo` does before it serves

        # Two end users report the same problem on the hosted form.
        for email in ("ann@example.com", "bob@example.com"):
            page.goto(f"{url}/p/demo")
            page.get_by_label("Report a bug").check()
            page.get_by_label("Summary").fill(REPORT[0])
            page.get_by_label("Details").fill(REPORT[1])
            page.get_by_label("Your email (optional, for replies)").fill(email)
            page.get_by_role("button", name="Send").click()
            expect(page.get_by_text("Thank you")).to_be_visible()

        # The PM lands on /insights: themes ranked by impact, the formula beside them.
        sign_in(page, url, PM, passwords[PM])
        assert page.url.endswith("/insights/")
        expect(page.get_by_text("Impact = reach × severity × trend")).to_be_visible()
        themes = page.locator("#themes tbody tr td:first-child a")
        assert themes.count() >= 3
        top = themes.first.inner_text()

        # ... opens the top theme: why it ranks, its trend, a quote and its items.
        themes.first.click()
        expect(page.get_by_role("heading", name=top)).to_be_visible()
        expect(page.locator(".theme-rank")).to_contain_text("#1 of Demo App's themes by impact")
        trend = page.locator("img.theme-trend")
        expect(trend).to_be_visible()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=trend.element_handle())
        expect(page.get_by_text("Representative quote")).to_be_visible()
        shown = page.locator("table tbody tr td a[href^='/board/items/']").count()
        assert shown >= 3

        # ... and exports its items as CSV.
        with page.expect_download() as download:
            page.get_by_role("link", name="This theme's items as CSV").click()
        rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
        assert len(rows) >= shown and {r["theme"] for r in rows} == {top}

        # The demo's spike, replayed: the PM who follows the theme gets one email.
        result = app.test_cli_runner().invoke(args=["triage", "replay-spike"])
        assert result.exit_code == 0, result.output
        mails = sink.to(PM)
        assert len(mails) == 1 and "/insights/?project=" in mails[0]["body"]

        # Merge the two reports from the duplicates page: both reporters follow the survivor.
        older, newer = db.session.scalars(select(Feedback).where(Feedback.title == REPORT[0])
                                          .order_by(Feedback.id)).all()
        page.goto(f"{url}/board/duplicates")
        row = page.locator("table.duplicates tr", has=page.locator(f"a[href='/board/items/{newer.id}']"))
        row.get_by_role("button", name=f"Merge into #{older.id}").click()
        page.wait_for_url(f"**/board/items/{older.id}")
        followers = page.locator("ul.followers")
        expect(followers).to_contain_text("ann@example.com")
        expect(followers).to_contain_text("bob@example.com")
        page.goto(f"{url}/board/items/{newer.id}")
        expect(page.locator(".merged-into")).to_contain_text(f"is merged into #{older.id}")
