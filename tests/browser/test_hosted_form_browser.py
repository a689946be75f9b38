"""The hosted form's script in Chromium: the bug fields follow the chosen kind (hidden and not
sent for an idea), the counters count, and a screenshot goes with the item."""
from __future__ import annotations


from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from triage.extensions import db
from triage.models import Feedback, Kind
from triage.services.accounts import create_project


def test_bug_fields_follow_the_kind_and_counters_count(page, live_app, tmp_path):
    create_project("demo", "Demo App")
    db.session.commit()
    page.goto(f"{live_app.url}/p/demo")
    steps = page.get_by_label("Steps to reproduce")
    expect(steps).to_be_visible()
    page.get_by_label("Summary").fill("Dark mode")
    expect(page.locator("#title-count")).to_have_text("9 / 200 characters")
    steps.fill("these steps are not sent with an idea")
    page.get_by_label("Suggest an idea or feature").check()
    expect(steps).to_be_hidden()
    expect(page.get_by_label("How bad is it for you?")).to_be_hidden()
    page.get_by_label("Report a bug").check()
    expect(steps).to_be_visible()
    page.get_by_label("Suggest an idea or feature").check()
    page.get_by_label("Details").fill("Please add a dark theme.")
    shot = tmp_path / "shot.png"
    Image.new("RGB", (30, 20), (0, 90, 0)).save(shot, "PNG")
    page.get_by_label("Screenshots (optional: PNG, JPEG or WebP)").set_input_files(str(shot))
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thank you")).to_be_visible()
    item = db.session.scalars(select(Feedback)).one()
    assert (item.kind, item.body) == (Kind.IDEA, "Please add a dark theme.")
    assert [a.filename for a in item.attachments] == ["shot.png"]
