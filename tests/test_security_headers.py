"""Security headers on every answer (Flask-Talisman): a strict Content Security Policy, no
framing, no MIME sniffing; and templates that need nothing the policy forbids."""
import re
from pathlib import Path

import pytest

from triage import create_app

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/auth/login", "/p/{slug}", "/api/v1/openapi.json", "/no-such-page"])
def test_pages_and_api_answers_carry_the_security_headers(client, project, path):
    response = client.get(path.format(slug=project.slug))
    csp = policy(response)
    assert csp["default-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'" and csp["form-action"] == "'self'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_use_no_inline_script_style_or_handler(template):
    """The policy blocks inline code; a template that used it would silently break in browsers."""
    html = template.read_text()
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"\sstyle\s*=", html), "inline style attribute"
    assert not re.search(r"<style\b", html), "inline <style>"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"


def test_session_cookie_is_secure_in_production_only(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TRIAGE_ENV", "production")
    assert create_app().config["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("TRIAGE_ENV", "development")
    assert create_app().config["SESSION_COOKIE_SECURE"] is False
