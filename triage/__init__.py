"""triage: stakeholder feedback and issue triage."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from triage import config as settings
from triage.extensions import CONTENT_SECURITY_POLICY, bootstrap, csrf, db, limiter, login_manager, migrate, talisman

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the application; `config` overrides what the environment says (tests use it)."""
    app = Flask(__name__, instance_relative_config=True,
                template_folder=str(ROOT / "templates"))
    app.config.update(settings.DEFAULTS)
    if config and "SQLALCHEMY_DATABASE_URI" in config and "SECRET_KEY" in config:
        app.config.update(config)  # fully specified: do not touch the instance folder
    else:
        app.config.update(settings.from_environment(app.instance_path))
        app.config.update(config or {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = settings.engine_options(app.config)
    if proxies := app.config["TRUSTED_PROXIES"]:
        # Behind the TLS proxy every request comes from it: take the client's address (rate
        # limits, audit) and scheme from the headers the trusted proxies set, no others.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    from triage.services import jobs, snapshot
    from triage.services.delivery import personal, subscriptions

    snapshot.init_app(app)  # a change to the settings intake caches moves their stamp
    subscriptions.init_app(app)  # new Events queue posts to the webhooks subscribed to them
    personal.init_app(app)  # ... and emails to the submitter (resolved) and the assignee
    jobs.init_app(app)  # committed background jobs go onto RQ when REDIS_URL is set
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    timeout = app.config["REDIS_TIMEOUT"]  # the limiter's Redis calls, as the job queue's
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": timeout, "socket_timeout": timeout})
    limiter.init_app(app)  # before CSRF, so refused requests still count against the limit
    csrf.init_app(app)
    bootstrap.init_app(app)
    # Security headers; HTTPS itself is the TLS proxy's job (docs/deploy.md), cookies follow our config.
    talisman.init_app(app, force_https=False, frame_options="DENY",
                      content_security_policy=CONTENT_SECURITY_POLICY,
                      session_cookie_secure=app.config["SESSION_COOKIE_SECURE"])


def register_blueprints(app: Flask) -> None:
    from triage.admin import bp as admin_bp
    from triage.api import bp as api_bp
    from triage.auth import bp as auth_bp
    from triage.board import bp as board_bp
    from triage.insights import bp as insights_bp
    from triage.intake import bp as intake_bp
    from triage.releases import bp as releases_bp
    from triage.views import bp as root_bp

    for blueprint in (root_bp, auth_bp, intake_bp, board_bp, insights_bp, releases_bp, admin_bp, api_bp):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from triage.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from triage.cli import triage_cli

    app.cli.add_command(triage_cli)
