"""Screenshots: checked by content, re-encoded without metadata, served to staff only."""
import io
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from tests.conftest import make_user
from tests.widget_support import ORIGIN, app, assert_error, project, send  # noqa: F401
from triage.extensions import db
from triage.models import Attachment, Feedback, Role


def png_with_metadata(size=(64, 48)) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x0131] = "secret-software"  # Software
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home address: 1 Secret Lane")
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG", exif=exif, pnginfo=info)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0)}  # GPSInfo
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 10)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def upload(client, receipt, data: bytes, name="shot.png", token=None, origin=ORIGIN):
    return client.post(receipt["upload_url"].replace("http://localhost", ""), headers={"Origin": origin},
                       data={"token": token or receipt["upload_token"], "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.fixture
def receipt(client, project):
    response = send(client, project)
    assert response.status_code == 201
    return response.json


def stored_file(app, attachment: Attachment) -> Path:
    return Path(app.config["UPLOAD_FOLDER"]) / attachment.storage_key


def test_png_is_stored_re_encoded_without_metadata(app, client, receipt):
    original = png_with_metadata()
    assert b"SpyCam" in original and b"Secret Lane" in original
    response = upload(client, receipt, original, name="../../etc/My Shot.png")
    assert response.status_code == 201 and response.headers["Access-Control-Allow-Origin"] == ORIGIN
    attachment = db.session.get(Attachment, response.json["id"])
    assert (attachment.feedback_id, attachment.content_type) == (receipt["id"], "image/png")
    assert attachment.filename == "My_Shot.png"
    data = stored_file(app, attachment).read_bytes()
    assert b"SpyCam" not in data and b"Secret Lane" not in data and b"secret-software" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size) == ("PNG", (64, 48))
        assert not image.getexif() and "Comment" not in image.info
    assert "static" not in stored_file(app, attachment).parts


def test_jpeg_loses_its_gps_position(app, client, receipt):
    response = upload(client, receipt, jpeg_with_gps(), name="photo.jpg")
    assert response.status_code == 201 and response.json["content_type"] == "image/jpeg"
    with Image.open(stored_file(app, db.session.get(Attachment, response.json["id"]))) as image:
        assert image.format == "JPEG" and not image.getexif()


def test_webp_stays_webp_and_keeps_its_transparency(app, client, receipt):
    out = io.BytesIO()
    Image.new("RGBA", (30, 20), (0, 0, 0, 0)).save(out, "WEBP", lossless=True)
    response = upload(client, receipt, out.getvalue(), name="clip.bin")
    assert response.status_code == 201
    assert (response.json["content_type"], response.json["filename"]) == ("image/webp", "clip.webp")
    with Image.open(stored_file(app, db.session.get(Attachment, response.json["id"]))) as image:
        assert image.format == "WEBP" and image.mode == "RGBA"


def test_text_file_named_png_is_refused(app, client, receipt):
    response = upload(client, receipt, b"<script>alert(1)</script>" * 20, name="evil.png")
    error = assert_error(response, 422, "invalid_image")
    assert "file" in error["fields"]
    assert db.session.get(Feedback, receipt["id"]).attachments == []
    assert not list(Path(app.config["UPLOAD_FOLDER"]).glob("*"))


def test_other_image_formats_are_refused(client, receipt):
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    assert_error(upload(client, receipt, gif.getvalue(), name="a.png"), 422, "invalid_image")


def test_too_many_pixels_or_bytes_are_refused(make_app, tmp_path):
    app = make_app(FORM_MIN_FILL_SECONDS=0, UPLOAD_FOLDER=str(tmp_path / "up"), UPLOAD_MAX_PIXELS=1000,
                   UPLOAD_MAX_BYTES=600)
    client = app.test_client()
    with app.app_context():
        from triage.services.accounts import create_project

        shop = create_project("shop", "Shop")
        shop.allowed_origins = [ORIGIN]
        db.session.commit()
        receipt = send(client, shop).json
        big = io.BytesIO()
        Image.new("L", (100, 100)).save(big, "PNG")  # 10,000 pixels in a few hundred bytes
        assert len(big.getvalue()) < 600
        assert "pixels" in assert_error(upload(client, receipt, big.getvalue()), 422, "invalid_image")["message"]
        heavy = png_with_metadata((10, 10)) + b"\0" * 600
        assert "larger than" in assert_error(upload(client, receipt, heavy), 422)["message"]


def test_upload_token_is_needed_and_works_once(client, receipt):
    assert_error(upload(client, receipt, png_with_metadata(), token="forged"), 403, "invalid_upload_token")
    assert upload(client, receipt, png_with_metadata()).status_code == 201
    assert_error(upload(client, receipt, png_with_metadata()), 403, "invalid_upload_token")


def test_upload_from_another_origin_is_refused(client, receipt):
    response = upload(client, receipt, png_with_metadata(), origin="https://evil.test")
    assert_error(response, 403, "origin_not_allowed")
    assert "Access-Control-Allow-Origin" not in response.headers


def test_staff_download_the_screenshot_as_an_attachment(app, client, auth, receipt):
    upload(client, receipt, png_with_metadata())
    attachment = db.session.get(Feedback, receipt["id"]).attachments[0]
    url = f"/board/attachments/{attachment.id}"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    auth.login(make_user(Role.AGENT))
    page = client.get(f"/board/items/{receipt['id']}").get_data(as_text=True)
    assert url in page and attachment.filename in page
    with client.get(url) as response:
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.data == stored_file(app, attachment).read_bytes()
