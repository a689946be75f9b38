"""A project's brand on its hosted pages and in the widget: a colour and a logo.

The colour is only ever "#rrggbb" (lower case); the text on it is black or white, whichever
contrasts more by WCAG 2's relative luminance (one of the two always reaches 4.5:1). The logo
is decoded with Pillow from PNG, JPEG, WebP or GIF only (never SVG, which can carry script),
scaled to at most LOGO_MAX_HEIGHT pixels high and re-encoded as PNG without metadata; its
hash is its version, part of its public URL, so it can be cached for good.
"""
from __future__ import annotations

import hashlib
import io
import re

from PIL import Image
from sqlalchemy import select

from triage.extensions import db
from triage.models import Project
from triage.services import DomainError
from triage.services.intake.attachments import UnacceptableImage, open_image, pixels_only

COLOR_RE = re.compile(r"#[0-9a-f]{6}")
LOGO_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 4096 * 4096
LOGO_MAX_HEIGHT = 256
LOGO_MAX_WIDTH = 1024
BLACK, WHITE = "#000000", "#ffffff"
PAGE = "#f8f9fa"  # Bootstrap's bg-light, the hosted pages' background (a shade darker than white)


class InvalidColor(DomainError):
    """Not a colour written #rrggbb."""


def parse_color(text: str | None) -> str | None:
    """The colour as stored ("#rrggbb", lower case), None for an empty value; InvalidColor otherwise."""
    value = (text or "").strip().lower()
    if not value:
        return None
    if not COLOR_RE.fullmatch(value):
        raise InvalidColor("Write the colour as # and six hex digits, e.g. #1f5fd1.")
    return value


def channels(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def luminance(color: str) -> float:
    """WCAG 2 relative luminance of "#rrggbb" (0 black, 1 white)."""
    def linear(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in channels(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_color(background: str) -> str:
    """Black or white text, whichever contrasts more with the background."""
    return BLACK if contrast(background, BLACK) >= contrast(background, WHITE) else WHITE


def mix(color: str, toward: str, share: float) -> str:
    """The colour moved `share` (0 to 1) of the way toward another."""
    return "#" + "".join(f"{round(a + (b - a) * share):02x}" for a, b in zip(channels(color), channels(toward)))


def hover_color(color: str) -> str:
    """A pressed or hovered shade: 15% away from its text colour (the contrast grows), or, for
    pure black or white, 15% toward it (still far above 4.5:1)."""
    text = text_color(color)
    away = mix(color, BLACK if text == WHITE else WHITE, 0.15)
    return away if away != color else mix(color, text, 0.15)


def ink_color(color: str) -> str:
    """The colour darkened just enough for text and outlines on white and on the hosted pages'
    light grey (4.5:1 on both)."""
    share = 0.0
    while contrast(mix(color, BLACK, share), PAGE) < 4.5:
        share += 0.05
    return mix(color, BLACK, share)


def palette(color: str) -> dict[str, str]:
    """The CSS custom properties of a brand colour (without their leading --)."""
    ink = ink_color(color)
    return {"brand": color, "brand-text": text_color(color), "brand-hover": hover_color(color),
            "brand-ink": ink, "brand-ink-rgb": ", ".join(str(c) for c in channels(ink))}


def stylesheet(project: Project) -> str:
    """The project's brand.css: its colours as custom properties on :root (none without a colour)."""
    if not project.brand_color or not COLOR_RE.fullmatch(project.brand_color):
        return "/* no brand colour */\n"
    lines = "".join(f"  --{name}: {value};\n" for name, value in palette(project.brand_color).items())
    return f":root {{\n{lines}}}\n"


def css_version(project: Project) -> str:
    """Changes whenever brand.css would: part of its URL on the hosted pages."""
    return hashlib.sha256((project.brand_color or "").encode()).hexdigest()[:12]


def clean_logo(data: bytes) -> bytes:
    """The uploaded logo as a clean PNG at most LOGO_MAX_WIDTH x LOGO_MAX_HEIGHT; raise
    UnacceptableImage when it is too large or not a PNG, JPEG, WebP or GIF by content."""
    if len(data) > LOGO_MAX_BYTES:
        raise UnacceptableImage(f"The logo is larger than {LOGO_MAX_BYTES // 1024:,} KB.")
    image = pixels_only(open_image(data, LOGO_MAX_PIXELS, LOGO_FORMATS), keep_alpha=True)
    image.thumbnail((LOGO_MAX_WIDTH, LOGO_MAX_HEIGHT), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def set_brand(project: Project, color: str | None) -> None:
    """Set (or clear, with None) the brand colour, already read by `parse_color`."""
    project.brand_color = parse_color(color)
    db.session.flush()


def set_logo(project: Project, png: bytes | None) -> None:
    """Store a logo cleaned by `clean_logo`, or remove it (None). Flushes."""
    project.logo_png = png
    project.logo_version = hashlib.sha256(png).hexdigest()[:16] if png else None
    db.session.flush()


def logo_png(slug: str, version: str) -> bytes | None:
    """The PNG of the project's current logo when `version` is its version, else None."""
    return db.session.scalar(select(Project.logo_png).where(
        Project.slug == slug, Project.logo_version == version, Project.logo_png.is_not(None)))


def widget_brand(project: Project, logo_url: str | None) -> dict:
    """The brand as the widget's config carries it (colours only as #rrggbb)."""
    colors = palette(project.brand_color) if project.brand_color else {}
    return {"color": colors.get("brand"), "text": colors.get("brand-text"), "hover": colors.get("brand-hover"),
            "ink": colors.get("brand-ink"), "logo_url": logo_url if project.logo_version else None,
            "name": project.name}
