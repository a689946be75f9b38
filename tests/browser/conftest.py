"""Real-browser fixtures: the app in a real HTTP server on the test's database, host pages
served from other local origins, and Debian's headless Chromium driven by Playwright."""
from __future__ import annotations

import functools
from contextlib import contextmanager
import threading
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from triage.extensions import db
from triage.services.accounts import create_project

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's package `chromium` to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="de-DE")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def serve_in_thread(server) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


@dataclass
class LiveApp:
    app: object
    url: str


def sign_in(page, url: str, email: str, password: str) -> None:
    """Sign in on a fresh cookie jar and wait for the role's landing page."""
    page.context.clear_cookies()
    page.goto(f"{url}/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit], main input[type=submit]")
    page.wait_for_url(lambda target: "/auth/login" not in target)


@contextmanager
def serve(app):
    """Serve the app with Werkzeug on 127.0.0.1 (a free port) in a thread; yields its URL.
    Each request gets its own app context there, on the test's database."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = serve_in_thread(server)
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def live_app(make_app, tmp_path):
    """The app served in a thread, and an app context of the same app for the test."""
    app = make_app(FORM_MIN_FILL_SECONDS=1, UPLOAD_FOLDER=str(tmp_path / "uploads"))
    with serve(app) as url, app.app_context():
        yield LiveApp(app, url)
        db.session.remove()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@dataclass
class HostSite:
    """A static site on its own origin (its own port) serving files from `root`."""

    root: Path
    origin: str

    def page(self, name: str, html: str) -> str:
        (self.root / name).write_text(html)
        return f"{self.origin}/{name}"


@pytest.fixture
def host_sites(tmp_path):
    """Make static sites, each on a different local origin, stopped after the test."""
    servers = []

    def make(name: str) -> HostSite:
        root = tmp_path / name
        root.mkdir()
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
        servers.append((server, serve_in_thread(server)))
        return HostSite(root, f"http://127.0.0.1:{server.server_port}")

    yield make
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def shop(live_app, host_sites):
    """A project whose widget is allowed on the "shop" site (and nowhere else)."""
    site = host_sites("shop")
    project = create_project("shop", "Shop")
    project.allowed_origins = [site.origin]
    db.session.commit()
    return project, site
