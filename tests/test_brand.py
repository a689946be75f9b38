"""A project's brand: the colour and logo an admin sets, checked and re-encoded, served from
public URLs that cache for good, worn by the hosted pages and named in the widget's config."""
import io
import itertools

import pytest
from PIL import Image, PngImagePlugin

from tests.conftest import csrf_from
from tests.widget_support import ORIGIN, app, project  # noqa: F401
from triage.extensions import db
from triage.models import Kind, Survey, SurveyKind
from triage.services import intake
from triage.services.intake import branding, widget
from triage.services.intake.attachments import UnacceptableImage


def image_bytes(size=(40, 20), fmt="PNG", mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "red").save(out, fmt, **save)
    return out.getvalue()


# --- colours -------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["1f5fd1", "#1f5fd", "#1f5fd1a", "#gg0000", "red", "#fff", "#1f5fd1;x:y",
                                  "#1f5f\nd1", "url(x)"])
def test_a_colour_other_than_hash_and_six_hex_digits_is_refused(text):
    with pytest.raises(branding.InvalidColor):
        branding.parse_color(text)


def test_a_colour_is_stored_in_lower_case_and_empty_means_none():
    assert branding.parse_color(" #1F5FD1 ") == branding.parse_color("#1f5fd1\n") == "#1f5fd1"
    assert branding.parse_color("") is None and branding.parse_color(None) is None


def test_text_on_the_brand_is_black_or_white_by_relative_luminance():
    assert branding.text_color("#ffff00") == "#000000"  # yellow: black text
    assert branding.text_color("#1f5fd1") == "#ffffff"  # blue: white text
    assert branding.text_color("#777777") == "#000000"  # mid grey: black contrasts more (4.69 to 4.48)
    assert round(branding.contrast("#000000", "#ffffff"), 2) == 21.0
    assert round(branding.luminance("#ffffff"), 4) == 1.0 and branding.luminance("#000000") == 0


def test_the_chosen_text_always_reaches_four_and_a_half_to_one():
    for r, g, b in itertools.product(range(0, 256, 17), repeat=3):
        color = f"#{r:02x}{g:02x}{b:02x}"
        assert branding.contrast(color, branding.text_color(color)) >= 4.5, color
        assert branding.contrast(color, branding.hover_color(color)) > 1  # hover looks different
        assert branding.contrast(branding.text_color(color), branding.hover_color(color)) >= 4.5, color
        assert branding.contrast(branding.ink_color(color), "#f8f9fa") >= 4.5, color


# --- logos ---------------------------------------------------------------------------------

def test_a_logo_is_scaled_to_256_px_high_and_re_encoded_as_png_without_metadata():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "secret location")
    clean = branding.clean_logo(image_bytes((600, 1000), pnginfo=info))
    image = Image.open(io.BytesIO(clean))
    assert image.format == "PNG" and image.size == (154, 256)
    assert "Author" not in image.info and b"secret" not in clean


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "GIF"])
def test_jpeg_webp_and_gif_logos_become_png(fmt):
    mode = "P" if fmt == "GIF" else "RGB"
    clean = branding.clean_logo(image_bytes((64, 32), fmt, mode))
    assert Image.open(io.BytesIO(clean)).format == "PNG"


def test_a_transparent_logo_keeps_its_transparency():
    clean = branding.clean_logo(image_bytes((10, 10), mode="RGBA"))
    assert Image.open(io.BytesIO(clean)).mode == "RGBA"


@pytest.mark.parametrize("data, message", [
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>',
     "Only PNG, JPEG, WebP or GIF"),
    (b"\x89PNG\r\n\x1a\n but really text", "Only PNG, JPEG, WebP or GIF"),
    (b"just text pretending to be logo.png", "Only PNG, JPEG, WebP or GIF"),
    (b"\x00" * (branding.LOGO_MAX_BYTES + 1), "larger than 1,024 KB"),
])
def test_svg_fake_and_oversize_logos_are_refused(data, message):
    with pytest.raises(UnacceptableImage, match=message):
        branding.clean_logo(data)


def test_a_logo_of_too_many_pixels_is_refused_before_decoding():
    huge = image_bytes((5000, 5000), mode="1")  # 25 million pixels, a few KB as PNG
    assert len(huge) < branding.LOGO_MAX_BYTES
    with pytest.raises(UnacceptableImage, match="more than 16,777,216 pixels"):
        branding.clean_logo(huge)


# --- the admin's project page --------------------------------------------------------------

def post_brand(client, project, **fields):
    path = f"/admin/projects/{project.id}"
    data = {"name": project.name, "slug": project.slug, "default_team": "",
            "allowed_origins": "\n".join(project.allowed_origins), "csrf_token": csrf_from(client, path), **fields}
    return client.post(path, data=data, content_type="multipart/form-data")


@pytest.fixture
def branded(client, auth, admin, project):
    auth.login(admin)
    response = post_brand(client, project, brand_color="#1F5FD1", logo=(io.BytesIO(image_bytes((300, 600))), "logo.png"))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(project)
    return project


def test_admin_sets_a_brand_colour_and_logo(branded):
    assert branded.brand_color == "#1f5fd1" and len(branded.logo_version) == 16
    png = branding.logo_png(branded.slug, branded.logo_version)
    assert Image.open(io.BytesIO(png)).size == (128, 256)


def test_admin_page_shows_the_logo_and_keeps_it_on_a_save_without_a_file(client, branded):
    version = branded.logo_version
    page = client.get(f"/admin/projects/{branded.id}").get_data(as_text=True)
    assert f"/p/shop/logo-{version}.png" in page and 'value="#1f5fd1"' in page
    assert 'enctype="multipart/form-data"' in page
    assert post_brand(client, branded, brand_color="#1f5fd1").status_code == 302
    db.session.refresh(branded)
    assert branded.logo_version == version


@pytest.mark.parametrize("fields, error", [
    ({"brand_color": "blue"}, "Write the colour as # and six hex digits"),
    ({"brand_color": "#1f5fd1\" onmouseover=\"x"}, "Field cannot be longer than 20 characters"),
    ({"logo": (io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), "logo.svg")}, "Only PNG, JPEG, WebP or GIF"),
    ({"logo": (io.BytesIO(b"not an image"), "logo.png")}, "Only PNG, JPEG, WebP or GIF"),
])
def test_bad_colour_or_logo_is_a_form_error_and_nothing_changes(client, branded, fields, error):
    version = branded.logo_version
    response = post_brand(client, branded, **{"brand_color": "#000000", **fields})
    assert response.status_code == 422 and error in response.get_data(as_text=True)
    db.session.refresh(branded)
    assert branded.brand_color == "#1f5fd1" and branded.logo_version == version


def test_a_logo_over_the_size_limit_is_refused(client, branded, monkeypatch):
    monkeypatch.setattr(branding, "LOGO_MAX_BYTES", 20_000)  # small uploads stay in memory in the test
    big = io.BytesIO(image_bytes((64, 64)) + b"\x00" * 20_000)
    response = post_brand(client, branded, logo=(big, "big.png"))
    assert response.status_code == 422 and "larger than 19 KB" in response.get_data(as_text=True)


def test_admin_removes_the_logo_and_the_colour(client, branded):
    old = branded.logo_version
    assert post_brand(client, branded, brand_color="", remove_logo="y").status_code == 302
    db.session.refresh(branded)
    assert branded.brand_color is None and branded.logo_version is None
    assert client.get(f"/p/shop/logo-{old}.png").status_code == 404
    page = client.get("/p/shop").get_data(as_text=True)
    assert "brand.css" not in page and "brand-header" not in page and "navbar" in page


# --- public URLs ---------------------------------------------------------------------------

def test_brand_css_sets_the_custom_properties(client, branded):
    page = client.get("/p/shop").get_data(as_text=True)
    url = f"/p/shop/brand.css?v={branding.css_version(branded)}"
    assert f'href="{url}"' in page
    response = client.get(url)
    css = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert "--brand: #1f5fd1;" in css and "--brand-text: #ffffff;" in css and "--brand-ink: #1f5fd1;" in css
    assert "--brand-ink-rgb: 31, 95, 209;" in css
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/p/shop/brand.css?v=old").headers["Cache-Control"] == "public, max-age=300"
    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_brand_css_of_a_project_without_a_colour_sets_nothing(client, project):
    response = client.get("/p/shop/brand.css")
    assert response.status_code == 200 and "--brand" not in response.get_data(as_text=True)


def test_logo_is_served_as_png_with_long_cache_headers(client, branded):
    response = client.get(f"/p/shop/logo-{branded.logo_version}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert Image.open(io.BytesIO(response.data)).format == "PNG"


@pytest.mark.parametrize("path", ["/p/nope/brand.css", "/p/nope/logo-0123456789abcdef.png",
                                  "/p/shop/logo-0123456789abcdef.png", "/p/shop/logo-.png"])
def test_unknown_project_or_logo_version_is_a_404(client, branded, path):
    assert client.get(path).status_code == 404


def test_a_project_without_a_logo_has_no_logo_url(client, project):
    assert client.get("/p/shop/logo-None.png").status_code == 404


# --- hosted pages --------------------------------------------------------------------------

def hosted_pages(client, project) -> dict[str, str]:
    item = intake.submit_feedback(project, intake.Submission(kind=Kind.BUG, title="Checkout fails", body="Every time"))
    survey = Survey(project=project, kind=SurveyKind.NPS, question="How likely?", active=True)
    db.session.add(survey)
    db.session.commit()
    paths = {"form": "/p/shop", "ideas": "/p/shop/ideas", "status": f"/status/{item.status_token}",
             "survey": f"/s/{survey.token}"}
    return {name: client.get(path).get_data(as_text=True) for name, path in paths.items()}


def test_hosted_pages_wear_the_logo_and_colour(client, branded):
    for name, page in hosted_pages(client, branded).items():
        assert 'alt="Shop"' in page and f"/p/shop/logo-{branded.logo_version}.png" in page, name
        assert "/p/shop/brand.css?v=" in page and 'class="bg-light branded"' in page, name
        assert 'class="navbar' not in page, name


def test_hosted_pages_without_a_brand_look_as_before(client, project):
    for name, page in hosted_pages(client, project).items():
        assert "brand.css" not in page and "brand-header" not in page and 'class="bg-light"' in page, name
        assert 'class="navbar' in page, name


def test_a_logo_without_a_colour_shows_the_logo_on_a_plain_header(client, branded):
    post_brand(client, branded, brand_color="")
    page = client.get("/p/shop").get_data(as_text=True)
    assert "brand-header" in page and 'alt="Shop"' in page and "brand.css" not in page


# --- the widget ----------------------------------------------------------------------------

def test_widget_config_carries_the_colour_and_logo_url(client, branded):
    response = client.get(f"/api/v1/widget-config?key={branded.public_key}", headers={"Origin": ORIGIN})
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == ORIGIN
    brand = response.json["brand"]
    assert brand == {"color": "#1f5fd1", "text": "#ffffff", "hover": branding.hover_color("#1f5fd1"),
                     "ink": "#1f5fd1", "name": "Shop",
                     "logo_url": f"http://localhost/p/shop/logo-{branded.logo_version}.png"}
    assert "Origin" in response.headers["Vary"]


def test_widget_config_without_a_brand_is_all_none(client, project):
    brand = client.get(f"/api/v1/widget-config?key={project.public_key}").json["brand"]
    assert brand == {"color": None, "text": None, "hover": None, "ink": None, "logo_url": None, "name": "Shop"}


def test_widget_config_refuses_unknown_keys_and_foreign_origins(client, project):
    assert client.get("/api/v1/widget-config?key=pk_nope").status_code == 404
    refused = client.get(f"/api/v1/widget-config?key={project.public_key}", headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403 and "error" in refused.json


def test_the_widget_sets_colours_as_style_properties_only():
    from pathlib import Path
    source = (Path(__file__).parent.parent / "triage" / "static" / "widget.js").read_text()
    assert "widget-config?key=" in source and "style.setProperty(name, props[name])" in source
    assert "COLOR.test(" in source and "innerHTML = brand" not in source


def test_cached_projects_never_carry_the_logo_bytes(client, branded):
    cached = widget.project_with_key(branded.public_key)
    assert cached.logo_version == branded.logo_version and "logo_png" not in cached.__dict__
