"""Extension objects, unbound; create_app binds them with init_app."""
from __future__ import annotations

import sqlite3

from flask import current_app
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, MetaData, event

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def failed_attempts_limit(*statuses: int):
    """A limit per client address that counts only answers with these statuses (a wrong token,
    a guessed status link): guessing is slowed down, while the correct caller is not counted."""
    return limiter.limit(lambda: current_app.config["AUTH_FAILURE_RATE_LIMIT"], key_func=get_remote_address,
                         deduct_when=lambda response: response.status_code in statuses,
                         scope="failed-attempts")
bootstrap = Bootstrap5()
talisman = Talisman()

# Pages load only our own scripts, styles and images (no inline code, no CDN), cannot be framed,
# and forms post only back to us. The widget runs on other sites under their policy, not this one.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL for concurrent readers, FULL sync so an acknowledged item survives power loss."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
