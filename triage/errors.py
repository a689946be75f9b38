"""Error pages: every refusal is a clear 4xx page (or JSON for JSON clients), never a bare 500."""
from __future__ import annotations

from flask import Flask, abort, jsonify, render_template, request
from flask import Request as FlaskRequest
from flask.json.provider import DefaultJSONProvider
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream

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


class CappedStream(LimitedStream):
    """A body without Content-Length (chunked) read up to `cap` bytes, one byte more being a
    413. Werkzeug's own stream for it stops at the cap in silence, so a form or JSON body over
    the cap would be parsed cut short instead of refused."""

    def __init__(self, stream, cap: int):
        super().__init__(stream, cap + 1, is_max=True)
        self.cap = cap

    def readinto(self, b) -> int | None:
        size = super().readinto(b)
        if self.tell() > self.cap:
            raise RequestEntityTooLarge()
        return size


class Request(FlaskRequest):
    """Flask's request, with a chunked body over the size cap refused (413)."""

    @cached_property
    def stream(self):
        cap = self.max_content_length
        if self.content_length is None and cap is not None and "wsgi.input_terminated" in self.environ:
            return CappedStream(self.environ["wsgi.input"], cap)
        return super().stream


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, with three kinds of body read as malformed (a 400: Flask turns only
    ValueError into a 400) instead of failing later with a 500: nested too deeply for the
    parser (a RecursionError), text that is not Unicode (a lone surrogate escape such as
    "\\ud800", which no database or page can encode as UTF-8), and NUL characters (which
    PostgreSQL cannot store in text)."""

    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError as error:
            raise ValueError("JSON nested too deeply") from error
        if not encodable(value):
            raise ValueError("JSON text holds a NUL character or a lone surrogate, which cannot be stored")
        return value


def encodable(value) -> bool:
    """Return whether every string (keys included) in a parsed JSON value is valid Unicode
    without NUL characters."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return False
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


def refuse_nul_characters() -> None:
    """before_request: a NUL character in the path, the query string or an HTML form's fields is a 400
    (PostgreSQL cannot store it in text). The API's JSON is checked by JSONProvider; its
    multipart uploads, read by their views under their own size cap, carry no text fields
    worth storing."""
    if request.url_rule is None:
        return  # no such page: a 404 or 405 follows, nothing is read or stored
    fields = list(request.args.items(multi=True))
    if request.blueprint != "api" and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields += request.form.items(multi=True)
    if "\x00" in request.path or any("\x00" in (key or "") or "\x00" in (value or "") for key, value in fields):
        abort(400, "Text may not contain NUL characters.")


def register(app: Flask) -> None:
    app.request_class = Request
    app.json = JSONProvider(app)
    app.jinja_env.finalize = printable
    app.before_request(refuse_nul_characters)
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
        response = app.make_response(error_response(error.code or 500, error.name, error.description or ""))
        for name, value in error.get_headers():  # Allow of a 405, Retry-After, WWW-Authenticate...
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(error: Exception):
        """The database is down, unreachable or busy (connect timeout, no pooled connection):
        a 503 the client may retry, never a 500 or a hang. The pool's pre-ping replaces dead
        connections, so the app recovers by itself once the database is back."""
        try:
            db.session.rollback()
        except Exception:  # the connection is gone; the session is discarded at teardown anyway
            app.logger.debug("rollback failed on a lost connection")
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
