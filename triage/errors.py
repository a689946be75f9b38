"""Error pages: every refusal is a clear 4xx page (or JSON for JSON clients), never a bare 500."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_wtf.csrf import CSRFError
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
    """Flask's JSON, with a body nested too deeply for the parser read as malformed (a 400)
    rather than a RecursionError (a 500): Flask turns only ValueError into a 400."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError as error:
            raise ValueError("JSON nested too deeply") from error


def register(app: Flask) -> None:
    app.json = JSONProvider(app)
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

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if app.testing:
            raise error  # let the test show the real traceback
        db.session.rollback()
        app.logger.exception("unhandled error")
        return error_response(500, "Something went wrong", "The error was logged; please try again.")
