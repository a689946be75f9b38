"""A project's brand in a real browser: an admin sets a colour and uploads a logo on the
project page; the hosted form's header and Send button wear them, and so do the launcher and
panel of the widget on a shop page of another origin. Screenshots at 1280 and 390 px go to
TRIAGE_SCREENSHOTS when it is set."""
from __future__ import annotations

from PIL import Image
from playwright.sync_api import expect

import pytest

from tests.browser.test_accessibility import axe_page, violations  # noqa: F401
from tests.browser.test_kanban_browser import sign_in
from tests.browser.test_layout_browser import screenshot
from tests.conftest import make_user
from triage.extensions import db
from triage.models import Kind, Role
from triage.services import intake
from triage.services.intake import branding

BRAND = "#ffc20e"  # a light yellow: black text on it, darkened to an ink for text on white
BACKGROUND = "getComputedStyle(document.querySelector(%r)).backgroundColor"


def logo_file(tmp_path):
    path = tmp_path / "logo.png"
    image = Image.new("RGBA", (600, 300), (0, 0, 0, 0))
    image.paste((20, 40, 160, 255), (0, 0, 600, 150))
    image.paste((255, 194, 14, 255), (0, 150, 600, 300))
    image.save(path, "PNG")
    return path


def rgb(color: str) -> str:
    return f"rgb({int(color[1:3], 16)}, {int(color[3:5], 16)}, {int(color[5:7], 16)})"


def logo_loaded(page, selector: str) -> bool:
    page.wait_for_function(f"(() => {{ const i = {selector}; return i && i.complete; }})()")
    return page.evaluate(f"(() => {{ const i = {selector}; return i.naturalWidth > 0 && i.alt; }})()")


def test_admin_brands_the_hosted_form_and_the_widget(page, live_app, shop, tmp_path):
    project, site = shop
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_app, make_user(Role.ADMIN))
    page.goto(f"{live_app.url}/admin/projects/{project.id}")
    page.get_by_label("Brand colour").fill("#FFC20E")
    page.get_by_label("Logo (PNG").set_input_files(logo_file(tmp_path))
    page.get_by_role("button", name="Save project").click()
    expect(page.get_by_text("Project Shop saved.")).to_be_visible()
    db.session.expire_all()
    db.session.refresh(project)
    assert project.brand_color == BRAND and project.logo_version

    page.goto(f"{live_app.url}/p/{project.slug}")
    assert page.evaluate(BACKGROUND % "#feedback-form button[type=submit]") == rgb(BRAND)
    assert page.evaluate("getComputedStyle(document.querySelector('#feedback-form button[type=submit]')).color") \
        == "rgb(0, 0, 0)"
    assert page.evaluate(BACKGROUND % ".brand-header") == rgb(BRAND)
    assert logo_loaded(page, "document.querySelector('.brand-logo')") == "Shop"
    screenshot(page, "brand-form-1280")
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "brand-form-390")

    shop_page = site.page("brand.html", f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Shop</title><style>:root {{ --tw-brand: red; --brand: red; }}</style></head>
<body><h1>Shop</h1><script src="{live_app.url}/widget.js" data-key="{project.public_key}" async></script></body></html>""")
    for width in (1280, 390):
        widget = page.context.new_page()
        widget.set_viewport_size({"width": width, "height": 800})
        widget.goto(shop_page)
        launcher = widget.get_by_role("button", name="Feedback", exact=True)
        expect(launcher).to_have_css("background-color", rgb(BRAND))
        expect(launcher).to_have_css("color", "rgb(0, 0, 0)")
        launcher.click()
        expect(widget.get_by_role("img", name="Shop")).to_be_visible()
        root = "document.querySelector('triage-widget').shadowRoot"
        assert logo_loaded(widget, f"{root}.querySelector('.logo')") == "Shop"
        assert widget.evaluate(f"getComputedStyle({root}.querySelector('form .send')).backgroundColor") == rgb(BRAND)
        screenshot(widget, f"brand-widget-{width}")
        widget.close()


@pytest.mark.parametrize("color", [BRAND, "#0b3d2e", "#ff5fa2"])  # light, dark, and a mid pink
def test_branded_hosted_pages_have_no_serious_axe_violations(axe_page, live_app, shop, tmp_path, color):  # noqa: F811
    project, _ = shop
    branding.set_brand(project, color)
    branding.set_logo(project, branding.clean_logo(logo_file(tmp_path).read_bytes()))
    item = intake.submit_feedback(project, intake.Submission(kind=Kind.IDEA, title="Dark mode", body="Please"))
    item.public = True
    db.session.commit()
    found = []
    for path in (f"/p/{project.slug}", f"/p/{project.slug}/ideas", f"/status/{item.status_token}"):
        found += violations(axe_page, f"{live_app.url}{path}")
    assert found == []


def test_a_host_pages_own_brand_properties_never_recolour_the_widget(page, live_app, shop):
    project, site = shop  # no brand: the widget keeps its own blue
    url = site.page("vars.html", f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<style>:root, triage-widget {{ --tw-brand: red !important; --tw-brand-text: red !important; }}</style></head>
<body><script src="{live_app.url}/widget.js" data-key="{project.public_key}" async></script></body></html>""")
    page.goto(url)
    launcher = page.get_by_role("button", name="Feedback", exact=True)
    expect(launcher).to_have_css("background-color", rgb("#1f5fd1"))
    expect(launcher).to_have_css("color", "rgb(255, 255, 255)")
