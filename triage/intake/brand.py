"""A project's brand on its public URLs: /p/<slug>/brand.css (the colours as CSS custom
properties) and /p/<slug>/logo-<version>.png (the logo, its hash in the URL, cached for good)."""
from __future__ import annotations

from flask import abort, current_app, request, url_for

from triage.intake import bp
from triage.models import Project
from triage.services import intake
from triage.services.intake import branding

FOREVER = "public, max-age=31536000, immutable"


def public_file(body: bytes | str, mimetype: str, cache: str):
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Cache-Control"] = cache
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"  # the widget shows it on other sites
    return response


@bp.app_template_global()
def brand_css_url(project: Project) -> str:
    """The address of the project's brand.css, versioned by its colours."""
    return url_for("intake.brand_css", slug=project.slug, v=branding.css_version(project))


@bp.route("/p/<slug>/brand.css")
def brand_css(slug: str):
    """The hosted pages link it with ?v=<version>: that URL changes with the colour, so it is
    cached for good; any other is answered for a short while."""
    project = intake.project_by_slug(slug)
    current = request.args.get("v") == branding.css_version(project)
    response = public_file(branding.stylesheet(project), "text/css",
                           FOREVER if current else "public, max-age=300")
    response.add_etag()
    return response.make_conditional(request)


@bp.route("/p/<slug>/logo-<version>.png")
def logo(slug: str, version: str):
    """The project's logo as PNG; an old or unknown version is a 404 (a new logo has a new URL)."""
    png = branding.logo_png(slug, version)
    if png is None:
        abort(404)
    return public_file(png, "image/png", FOREVER)
