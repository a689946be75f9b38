"""The widget in headless Chromium: embedded on a host page from another origin, used with
mouse and keyboard, sending context, JS errors and a screenshot; refused where not allowed."""
from __future__ import annotations

import json
import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from triage.extensions import db
from triage.models import Channel, Feedback, Kind
from triage.services.intake import widget

USER = {"id": "u-42", "email": "vera@example.com", "name": "Vera"}
# The stub as the README gives it: queues calls, and the page's errors, until the widget loads.
STUB = re.search(r"```html\n<script>\n(window\.triage = .*?)triage\('meta'",
                 (Path(__file__).resolve().parents[2] / "README.md").read_text(), re.S).group(1)


def host_page(live_app, project, signature: str = "") -> str:
    """A shop page with hostile CSS, the README's stub, a bug that throws before the widget
    loads, the one-line snippet, and a bug that throws once the page has loaded."""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<style>* {{ font-size: 40px !important; color: red !important; }} button {{ display: none !important; }}
div {{ position: static !important; opacity: .2 !important; }}</style>
<script>{STUB}</script>
<script>throw new Error('Early bug: settings missing');</script>
<script>
triage('meta', {{app_version: '4.2.0', plan: 'pro'}});
triage('identify', {json.dumps(USER)}, {json.dumps(signature)});
window.addEventListener('load', function () {{
  setTimeout(function () {{
    window.bugsThrown = true;
    Promise.reject(new Error('refund promise rejected'));
    throw new Error('Host page bug: cart total is NaN');
  }}, 50);
}});
</script>
<script src="{live_app.url}/widget.js" data-key="{project.public_key}" async></script>
</head><body><h1>Shop</h1><p>Checkout</p></body></html>"""


def screenshot_file(tmp_path):
    path = tmp_path / "screen.png"
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    Image.new("RGB", (320, 200), (30, 90, 200)).save(path, "PNG", exif=exif)
    return path


def items() -> list[Feedback]:
    db.session.expire_all()
    return list(db.session.scalars(select(Feedback).order_by(Feedback.id)))


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("window.__triageWidget === 1 && window.bugsThrown === true")


def test_visitor_sends_feedback_with_context_errors_and_a_screenshot(page, live_app, shop, tmp_path):
    project, site = shop
    url = site.page("cart.html", host_page(live_app, project, widget.sign_identity(USER, project.identity_secret)))
    open_page(page, url)
    page.get_by_role("button", name="Feedback", exact=True).click()
    page.get_by_label("Idea").check()
    page.get_by_label("Message").fill("The cart total shows NaN after a refund")
    page.get_by_label("Email (optional").fill("ann@example.com")
    page.get_by_label("Screenshot").set_input_files(screenshot_file(tmp_path))
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thank you!")).to_be_visible()
    status_link = page.get_by_role("link", name="Follow its status")
    expect(status_link).to_be_focused()

    [item] = items()
    assert status_link.get_attribute("href") == f"{live_app.url}/status/{item.status_token}"
    assert (item.kind, item.channel, item.quarantined) == (Kind.IDEA, Channel.WIDGET, False)
    assert item.title == "The cart total shows NaN after a refund"
    assert item.submitter_email == "ann@example.com"
    ctx = item.context
    assert ctx["page_url"] == url and ctx["viewport"] == "1280x720" and ctx["language"] == "de-DE"
    assert "Chrome" in ctx["user_agent"] and ctx["app_version"] == "4.2.0"
    assert ctx["metadata"] == {"plan": "pro"}
    assert ctx["user"] == USER and ctx["user_verified"] is True
    messages = [e["message"] for e in ctx["js_errors"]]
    assert any("Host page bug: cart total is NaN" in m for m in messages)
    assert any("Early bug: settings missing" in m for m in messages)  # thrown before widget.js ran
    assert any("refund promise rejected" in m for m in messages)
    [attachment] = item.attachments
    assert attachment.content_type == "image/png"
    stored = (live_app.app.config["UPLOAD_FOLDER"] + "/" + attachment.storage_key)
    with Image.open(stored) as image:
        assert image.size == (320, 200) and not image.getexif()


def test_host_page_css_cannot_hide_the_widget(page, live_app, shop):
    project, site = shop
    open_page(page, site.page("index.html", host_page(live_app, project)))
    launcher = page.get_by_role("button", name="Feedback", exact=True)
    expect(launcher).to_be_visible()
    assert launcher.evaluate("b => getComputedStyle(b).fontSize") == "14px"


def test_keyboard_opens_and_escape_closes_with_focus_returned(page, live_app, shop):
    project, site = shop
    open_page(page, site.page("index.html", host_page(live_app, project)))
    launcher = page.get_by_role("button", name="Feedback", exact=True)
    launcher.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Send feedback")
    expect(dialog).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_label("Bug")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(launcher).to_be_focused()
    page.evaluate("triage('open')")
    expect(dialog).to_be_visible()
    page.evaluate("triage('close')")
    expect(dialog).to_be_hidden()


def test_lost_answer_is_retried_after_a_reload_with_the_same_key(page, live_app, shop):
    project, site = shop
    url = site.page("index.html", host_page(live_app, project))
    keys = []

    def store_then_lose_the_answer(route):
        keys.append(route.request.headers.get("idempotency-key"))
        route.fetch()  # the server stores the item...
        route.abort("connectionreset")  # ...but the answer never reaches the page

    page.route("**/api/v1/feedback", store_then_lose_the_answer)
    open_page(page, url)
    page.get_by_role("button", name="Feedback", exact=True).click()
    page.get_by_label("Message").fill("Checkout button does nothing")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Could not reach the server")).to_be_visible()
    pending = json.loads(page.evaluate(f"localStorage.getItem('triage.pending.{project.public_key}')"))
    assert len(items()) == 1 and len(set(keys)) == 1 and pending["key"] == keys[0]

    page.unroute("**/api/v1/feedback")
    with page.expect_response("**/api/v1/feedback") as answer:
        open_page(page, url)
    assert answer.value.status == 200  # the stored item, acknowledged at last
    # The page forgets the message once it has read the answer: a moment after the response event.
    page.wait_for_function(f"localStorage.getItem('triage.pending.{project.public_key}') === null", timeout=5000)
    [item] = items()
    assert item.idempotency_key == keys[0] and item.title == "Checkout button does nothing"


def test_page_from_an_origin_not_allowed_is_refused(page, live_app, shop, host_sites):
    project, _ = shop
    elsewhere = host_sites("elsewhere")
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url.split("?")[0].rsplit("/", 1)[-1]))
    open_page(page, elsewhere.page("index.html", host_page(live_app, project)))
    page.get_by_role("button", name="Feedback", exact=True).click()
    page.get_by_label("Message").fill("Let me in")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Not sent: Pages on " + elsewhere.origin)).to_be_visible()
    assert "form-token" not in failed  # a refusal the page can read, not a network failure
    assert page.evaluate(f"localStorage.getItem('triage.pending.{project.public_key}')") is None
    sent = page.evaluate("""key => fetch(document.querySelector('script[data-key]').src.replace('/widget.js',
        '/api/v1/feedback'), {method: 'POST', credentials: 'omit', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({public_key: key, message: 'direct'})}).then(() => 'read', e => 'refused')""",
                         project.public_key)
    assert sent == "refused"
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 0
