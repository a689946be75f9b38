"""Screenshots sent with an item: checked by content with Pillow, re-encoded to drop every
bit of metadata (EXIF, GPS, comments), stored under the upload folder outside static/."""
from __future__ import annotations

import io
import os
import uuid
import warnings
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from werkzeug.utils import secure_filename

from triage.extensions import db
from triage.models import Attachment, Feedback, User, valid_id
from triage.services import DomainError, NotFound, access

# Pillow format -> (content type, file extension).
FORMATS = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"), "WEBP": ("image/webp", "webp")}
FORMAT_NAMES = {"WEBP": "WebP"}  # as people write them, where not Pillow's name


class UnacceptableImage(DomainError):
    """The upload is not an image we accept; the message says why."""

    code = "invalid_image"

    def __init__(self, message: str):
        super().__init__(message)
        self.fields = {"file": message}


def upload_folder() -> Path:
    """Where attachments live: UPLOAD_FOLDER, or "uploads" inside the instance folder."""
    return Path(current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads")


def open_image(data: bytes, max_pixels: int, formats=tuple(FORMATS)) -> Image.Image:
    """Decode the bytes fully as one of `formats` (Pillow's names; PNG, JPEG or WebP unless
    told), refusing anything else and images over `max_pixels` (checked from the header,
    before the pixels are decoded)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(formats))
            if image.width * image.height > max_pixels:
                raise UnacceptableImage(f"The image has more than {max_pixels:,} pixels.")
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise UnacceptableImage(f"The image has more than {max_pixels:,} pixels.") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            names = [FORMAT_NAMES.get(f, f) for f in formats]
            raise UnacceptableImage(f"Only {', '.join(names[:-1])} or {names[-1]} images are accepted.") from None
    return image


def pixels_only(image: Image.Image, keep_alpha: bool) -> Image.Image:
    """A new image of the same pixels (upright as its EXIF tag said) without any metadata."""
    image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF tag gave
    keep_alpha = keep_alpha and ("A" in image.getbands() or "transparency" in image.info)
    image = image.convert("RGBA" if keep_alpha else "RGB")
    return Image.frombytes(image.mode, image.size, image.tobytes())  # pixels only, no info


def reencode(image: Image.Image) -> tuple[bytes, str]:
    """The image's pixels saved afresh in its own format, with no metadata at all."""
    fmt = image.format or "PNG"
    clean = pixels_only(image, keep_alpha=fmt != "JPEG")
    out = io.BytesIO()
    options = {"PNG": {"optimize": True}, "JPEG": {"quality": 88}, "WEBP": {"quality": 85}}[fmt]
    clean.save(out, fmt, **options)
    return out.getvalue(), fmt


def add_screenshot(item: Feedback, data: bytes, filename: str, folder: Path, *,
                   max_bytes: int, max_pixels: int, max_per_item: int) -> Attachment:
    """Check, clean and store an image for the item; raise UnacceptableImage (422) if it is
    too large, not a PNG/JPEG/WebP by content, or the item has its share of attachments."""
    if len(item.attachments) >= max_per_item:
        raise UnacceptableImage(f"An item takes at most {max_per_item} attachments.")
    if len(data) > max_bytes:
        raise UnacceptableImage(f"The image is larger than {max_bytes // (1024 * 1024)} MB.")
    clean, fmt = reencode(open_image(data, max_pixels))
    content_type, ext = FORMATS[fmt]
    base = Path((filename or "").replace("\\", "/")).name  # browsers send a name, not a path
    stem = Path(secure_filename(base)).stem[:80] or "screenshot"
    key = f"{uuid.uuid4().hex}.{ext}"
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{key}.part"
    partial.write_bytes(clean)
    os.replace(partial, folder / key)  # never a half-written file under its real name
    attachment = Attachment(feedback=item, filename=f"{stem}.{ext}", content_type=content_type,
                            size=len(clean), storage_key=key)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def remove_files(item: Feedback, folder: Path) -> None:
    """Delete the stored files of the item's attachments (before the item itself goes)."""
    for attachment in item.attachments:
        (folder / attachment.storage_key).unlink(missing_ok=True)


def get_attachment(attachment_id: int, viewer: User | None = None) -> Attachment:
    """An attachment by id; NotFound if there is none or the viewer may not see its item."""
    attachment = db.session.get(Attachment, attachment_id) if valid_id(attachment_id) else None
    if attachment is None or not access.can_see(viewer, attachment.feedback):
        raise NotFound(f"No attachment {attachment_id}.")
    return attachment
