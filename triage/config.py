"""Settings read from the environment; tests pass their own overrides to create_app."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


class ConfigError(SystemExit):
    """The environment does not describe a runnable application: the process stops with this
    one line (`flask ...`, gunicorn), not a traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(f"triage: {message}")


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs written the usual ways."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def secret_key(instance_path: str, env: str) -> str:
    """Return SECRET_KEY, or one generated once and kept in the instance folder.

    Production refuses to start without an explicit key: a key generated on one
    machine would differ between app servers and silently log everyone out.
    """
    if key := os.environ.get("SECRET_KEY"):
        return key
    if env == "production":
        raise ConfigError("SECRET_KEY must be set when TRIAGE_ENV=production "
                          "(or set TRIAGE_ENV=development to try it on this machine)")
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.touch(mode=0o600)
    path.write_text(key)
    return key


def rate_limits_from_environment() -> dict:
    """Every *_RATE_LIMIT setting an environment variable of the same name overrides
    ("100 per minute", "5/second"); a value the limiter cannot read stops the start."""
    from limits import parse_many

    found = {}
    for name in (key for key in DEFAULTS if "RATE_LIMIT" in key and isinstance(DEFAULTS[key], str)):
        if value := os.environ.get(name):
            try:
                parse_many(value)
            except ValueError:
                raise ConfigError(f"{name}={value!r} is not a rate limit such as '30 per minute'") from None
            found[name] = value
    return found


def trusted_proxies() -> int:
    """How many reverse proxies in front of the app set X-Forwarded-* (TRIAGE_PROXIES, 0-5)."""
    raw = os.environ.get("TRIAGE_PROXIES", "0")
    if not raw.isdigit() or int(raw) > 5:
        raise ConfigError(f"TRIAGE_PROXIES={raw!r} must be a number of proxies from 0 to 5")
    return int(raw)


def engine_options(config: dict) -> dict:
    """The SQLAlchemy engine options: a pre-ping so dead pooled connections are replaced (the
    app recovers by itself after a database restart), and on PostgreSQL bounded waits for a
    new connection and for a pooled one, so a database that is down answers 503 in seconds."""
    options = {"pool_pre_ping": True, **config.get("SQLALCHEMY_ENGINE_OPTIONS", {})}
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options.setdefault("pool_timeout", config["DATABASE_POOL_TIMEOUT"])
        connect_args = {"connect_timeout": config["DATABASE_CONNECT_TIMEOUT"], **options.get("connect_args", {})}
        options["connect_args"] = connect_args
    return options


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping from environment variables."""
    env = os.environ.get("TRIAGE_ENV", "production")
    default_db = f"sqlite:///{Path(instance_path) / 'triage.db'}"
    return {
        "TRIAGE_ENV": env,
        "SECRET_KEY": secret_key(instance_path, env),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            os.environ.get("DATABASE_URL", default_db)
        ),
        "REDIS_URL": os.environ.get("REDIS_URL"),
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        # Several deployments sharing one Redis keep their counters apart by prefix.
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", ""),
        "SESSION_COOKIE_SECURE": env != "development",
        "REMEMBER_COOKIE_SECURE": env != "development",
        "SMTP_HOST": os.environ.get("SMTP_HOST"),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_USER": os.environ.get("SMTP_USER"),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "triage@localhost"),
        # Base of the links in emails and webhooks (sent from the worker, outside any request).
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://localhost:5000"),
        "NOTIFY_MAX_ATTEMPTS": int(os.environ.get("NOTIFY_MAX_ATTEMPTS", "5")),
        "OUTBOX_LEASE_SECONDS": int(os.environ.get("OUTBOX_LEASE_SECONDS", "120")),
        "ESCALATION_HOURLY_CAP": int(os.environ.get("ESCALATION_HOURLY_CAP", "4")),
        "WEBHOOK_ALLOW_PRIVATE": os.environ.get("WEBHOOK_ALLOW_PRIVATE", "").lower() in ("1", "true", "yes"),
        "CLASSIFY_INLINE": os.environ.get("TRIAGE_CLASSIFY_INLINE", "1") != "0",
        # Folders outside the code: uploaded screenshots (served to staff only) and model files.
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER") or None,
        "MODEL_FOLDER": os.environ.get("MODEL_FOLDER") or None,
        "TRUSTED_PROXIES": trusted_proxies(),
        "DATABASE_CONNECT_TIMEOUT": int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3")),
        "PASSWORD_RESET_MAX_AGE": int(os.environ.get("PASSWORD_RESET_MAX_AGE", "3600")),
        "TWO_FACTOR_REQUIRED": os.environ.get("TWO_FACTOR_REQUIRED", "").lower() in ("1", "true", "yes"),
        **rate_limits_from_environment(),
    }


# Settings that do not depend on the environment.
DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # PostgreSQL: seconds to wait for a new connection (libpq's minimum is 2) and for a free
    # pooled one; past them a request answers 503 with Retry-After (seconds) instead of hanging.
    "DATABASE_CONNECT_TIMEOUT": 3,
    "DATABASE_POOL_TIMEOUT": 5,
    "DATABASE_RETRY_AFTER": 5,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "BOOTSTRAP_SERVE_LOCAL": True,
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    # Redis unreachable (REDIS_URL set): each process counts the same limits in its own memory
    # until Redis answers again (Flask-Limiter checks it with a growing pause), and any other
    # error of the limiter lets the request through; no request fails or waits on Redis longer
    # than REDIS_TIMEOUT seconds, which also bounds pushing a job onto RQ.
    "REDIS_TIMEOUT": 1.0,
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
    "LOGIN_RATE_LIMIT": "10 per minute",
    # "Forgot password?": requests per client address and per email asked for; seconds a link lives.
    "PASSWORD_RESET_RATE_LIMIT": "5 per 15 minutes",
    "PASSWORD_RESET_EMAIL_RATE_LIMIT": "3 per hour",
    "PASSWORD_RESET_MAX_AGE": 3600,
    # Every answer to "Forgot password?" takes at least this long, known email or not (the
    # known one queues an email, a write the other does not make: ~10 ms apart otherwise).
    "PASSWORD_RESET_MIN_SECONDS": 0.25,
    # Two-factor codes tried per account waiting for its code (the address also counts
    # against LOGIN_RATE_LIMIT); every staff account must use two-factor sign-in when True.
    "TWO_FACTOR_RATE_LIMIT": "5 per minute;20 per hour",
    "TWO_FACTOR_REQUIRED": False,
    "INTAKE_RATE_LIMIT": "30 per minute",
    # End users' votes ("+1" on the ideas page, "me too" in the form and widget) and the
    # "similar reports" lookups made while they type, per client address.
    "VOTE_RATE_LIMIT": "10 per minute",
    "SIMILAR_RATE_LIMIT": "60 per minute",
    # Projects with more open items than this get their duplicate index built in the background.
    "DUPLICATES_INLINE_BUILD": 5000,
    # The public widget API (POST /api/v1/feedback): limits per client address, per public
    # key and for all callers together; the JSON body cap; the anti-spam form token.
    "API_RATE_LIMIT_PER_ADDRESS": "20 per minute",
    "API_RATE_LIMIT_PER_KEY": "120 per minute",
    "API_RATE_LIMIT_OVERALL": "600 per minute",
    "API_RATE_LIMIT_FORM_TOKENS": "60 per minute",  # per client address
    "API_MAX_BODY": 64 * 1024,
    "API_RATE_LIMIT_PER_TOKEN": "300 per minute",  # the staff API, per personal token
    # Wrong staff API tokens and unknown status links, per client address (correct ones do not count).
    "AUTH_FAILURE_RATE_LIMIT": "20 per minute",
    "FORM_TOKEN_MAX_AGE": 2 * 3600,  # seconds a widget panel may stay open
    "FORM_MIN_FILL_SECONDS": 2.0,  # faster than this is a bot: quarantined
    # Screenshots: bytes and pixels at most, how many per item; stored in UPLOAD_FOLDER
    # (None: the "uploads" folder inside the instance folder, never under static/).
    "UPLOAD_MAX_BYTES": 5 * 1024 * 1024,
    "UPLOAD_MAX_PIXELS": 40_000_000,
    "UPLOAD_MAX_PER_ITEM": 3,
    "UPLOAD_FOLDER": None,
    "BOARD_PAGE_SIZE": 50,
    # Outbox delivery: tries before a notification is dead, first retry delay (doubled per
    # failure), network timeouts in seconds.
    "NOTIFY_MAX_ATTEMPTS": 5,
    # Escalation digests one recipient gets per rolling hour at most; the rest wait.
    "ESCALATION_HOURLY_CAP": 4,
    "NOTIFY_BACKOFF_SECONDS": 30,
    # How long a delivery worker's claim holds its outbox rows; a batch hands back what it has
    # not reached before then, so a second worker never claims a row the first still sends.
    "OUTBOX_LEASE_SECONDS": 120,
    "NOTIFY_TIMEOUT": 10,
    "SMTP_TIMEOUT": 10,
    # Webhooks may post to loopback, private and link-local addresses (tests, on-premises
    # receivers); off, such URLs are refused on saving and at every delivery (SSRF guard).
    "WEBHOOK_ALLOW_PRIVATE": False,
    # Predictions less sure than this go to the needs-review queue.
    "REVIEW_CONFIDENCE": 0.6,
    # Classify, route and set the SLA inside the intake request (one process, no worker), or
    # leave new items pending for `flask triage worker`, which does it in batches.
    "CLASSIFY_INLINE": True,
    # Where trained models are written and the only place they are loaded from
    # (None: the "models" folder inside the instance folder).
    "MODEL_FOLDER": None,
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are believed
    # (werkzeug's ProxyFix); 0 trusts none, so a client cannot pick its own rate-limit address.
    "TRUSTED_PROXIES": 0,
}
