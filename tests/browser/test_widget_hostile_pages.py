"""The widget on host pages that get in its way: a transformed body, Prototype.js's toJSON
on arrays, a right-to-left layout; and a stale key, which is said, not queued for ever."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.test_widget_browser import host_page, items, open_page
from triage.extensions import db
from triage.models import RefusedAttempt

# What Prototype.js 1.6 adds: arrays and strings serialised by the page's own rules.
PROTOTYPE_JS = """<script>
Array.prototype.toJSON = function () { return '[' + this.length + ' items]'; };
String.prototype.toJSON = function () { return '"' + this + '"'; };
</script>"""


def with_head(html: str, extra: str) -> str:
    return html.replace("<script>", extra + "<script>", 1)


def test_launcher_stays_in_view_when_the_body_is_transformed(page, live_app, shop):
    project, site = shop
    style = "<style>body { transform: translateY(0); height: 4000px; margin: 0; }</style>"
    open_page(page, site.page("t.html", with_head(host_page(live_app, project), style)))
    page.mouse.wheel(0, 3000)
    page.wait_for_function("window.scrollY > 2000")
    launcher = page.get_by_role("button", name="Feedback", exact=True)
    box = launcher.bounding_box()
    assert box and 1280 - 120 < box["x"] + box["width"] <= 1280 and 720 - 80 < box["y"] + box["height"] <= 720
    launcher.click()
    expect(page.get_by_role("dialog", name="Send feedback")).to_be_in_viewport()


def test_errors_arrive_as_a_list_on_a_page_with_prototype_js(page, live_app, shop):
    project, site = shop
    open_page(page, site.page("p.html", with_head(host_page(live_app, project), PROTOTYPE_JS)))
    page.get_by_role("button", name="Feedback", exact=True).click()
    page.get_by_label("Message").fill("Coupon field rejects valid codes")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thank you!")).to_be_visible()
    [item] = items()
    assert item.title == "Coupon field rejects valid codes"
    assert any("cart total is NaN" in e["message"] for e in item.context["js_errors"])
    assert page.evaluate("JSON.stringify([1])") == '"[1 items]"'  # the page's own rules are back


def test_unknown_key_is_said_and_not_queued(page, live_app, shop):
    project, site = shop
    html = host_page(live_app, project).replace(project.public_key, "pk_rotated_long_ago")
    open_page(page, site.page("k.html", html))
    page.get_by_role("button", name="Feedback", exact=True).click()
    expect(page.get_by_text("Not sent: Unknown public key.")).to_be_visible()
    page.get_by_label("Message").fill("Hello?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Not sent: Unknown public key.")).to_be_visible()
    assert page.evaluate("localStorage.getItem('triage.pending.pk_rotated_long_ago')") is None
    db.session.expire_all()
    attempt = db.session.scalar(select(RefusedAttempt))
    assert (attempt.origin, attempt.reason) == (site.origin, "key") and attempt.count >= 2
    assert items() == []


def test_right_to_left_page_mirrors_the_panel_and_keeps_punctuation(page, live_app, shop):
    project, site = shop
    html = host_page(live_app, project).replace('<html lang="en">', '<html lang="he" dir="rtl">')
    open_page(page, site.page("rtl.html", html))
    launcher = page.get_by_role("button", name="Feedback", exact=True)
    assert launcher.bounding_box()["x"] < 100  # bottom left, mirrored
    launcher.click()
    dialog = page.get_by_role("dialog", name="Send feedback")
    close, heading = page.get_by_role("button", name="Close feedback"), dialog.get_by_role("heading")
    panel_box, close_box = dialog.bounding_box(), close.bounding_box()
    text_left = heading.evaluate("""h => { const r = document.createRange(); r.selectNodeContents(h);
        return r.getBoundingClientRect().x; }""")
    assert panel_box["x"] < 100 and close_box["x"] < panel_box["x"] + 60  # close at the panel's start edge
    assert close_box["x"] + close_box["width"] < text_left  # and clear of the right-aligned heading
    # "Email (optional, for replies)": the closing parenthesis is drawn after the text, on its right.
    first, last = page.get_by_text("Email (optional, for replies)").evaluate("""label => {
        const text = label.firstChild, at = i => { const r = document.createRange();
            r.setStart(text, i); r.setEnd(text, i + 1); return r.getBoundingClientRect().x; };
        return [at(0), at(text.length - 1)]; }""")
    assert first < last
