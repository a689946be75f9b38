"""Error pages: every refusal is a clear 4xx page (or JSON for JSON clients), never a bare 500."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from triage.extensions import db
from triage.services import DomainError


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_code(status: int) -> str:
    """A stable machine-readable code for an HTTP status: 404 -> "not_found"."""
    return HTTP_STATUS_CODES.get(status, "error").lower().replace(" ", "_").replace("-", "_")


def error_response(status: int, title: str, message: str, code: str | None = None,
                   fields: dict | None = None):
    """The error page, or for the API and JSON clients {"error": {code, message, fields}}."""
    if wants_json():
        body = {"code": code or error_code(status), "message": message, "fields": fields or {}}
        return jsonify({"error": body}), status
    return render_template("error.html", status=status, title=title, message=message), status


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, with two kinds of body read as malformed (a 400: Flask turns only
    ValueError into a 400) instead of failing later with a 500: nested too deeply for the
    parser (a RecursionError), and text that is not Unicode (a lone surrogate escape such as
    "\\ud800", which no database or page can encode as UTF-8)."""

    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError as error:
            raise ValueError("JSON nested too deeply") from error
        if not encodable(value):
            raise ValueError("JSON text holds a lone surrogate, which is not Unicode text")
        return value


def encodable(value) -> bool:
    """Return whether every string (keys included) in a parsed JSON value is valid Unicode."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def printable(value):
    """Jinja's finalize: a string that cannot be encoded (stored before the check above) is
    shown with its lone surrogates replaced, so no page fails on stored data."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return type(value)(value.encode("utf-8", "replace").decode("utf-8"))  # Markup stays Markup
    return value


def register(app: Flask) -> None:
    app.json = JSONProvider(app)
    app.jinja_env.finalize = printable
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return error_response(400, "Form expired",
                              "The form was open too long or came from elsewhere. Go back, reload and send it again.")

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        return error_response(error.status_code, "Not possible", str(error),
                              getattr(error, "code", None), getattr(error, "fields", None))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return error_response(error.code or 500, error.name, error.description or "")

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(error: Exception):
        """The database is down, unreachable or busy (connect timeout, no pooled connection):
        a 503 the client may retry, never a 500 or a hang. The pool's pre-ping replaces dead
        connections, so the app recovers by itself once the database is back."""
        try:
            db.session.rollback()
        except Exception:  # the connection is gone; the session is discarded at teardown anyway
            pass
        app.logger.warning("database unavailable: %s", str(error).splitlines()[0][:300])
        message = "The service is briefly unavailable. Nothing was changed; please try again in a moment."
        if wants_json():
            response = jsonify({"error": {"code": "unavailable", "message": message, "fields": {}}})
        else:
            response = app.make_response(render_template("unavailable.html", message=message))
        response.status_code = 503
        response.headers["Retry-After"] = str(app.config["DATABASE_RETRY_AFTER"])
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if app.testing:
            raise error  # let the test show the real traceback
        db.session.rollback()
        app.logger.exception("unhandled error")
        return error_response(500, "Something went wrong", "The error was logged; please try again.")
