"""The OpenAPI document stays true: it is valid OpenAPI 3.1, real answers of every operation
conform to it (openapi-core), and fuzzing the live app from it finds no 5xx and no answer
outside it (schemathesis, with all its checks)."""
from __future__ import annotations

import io
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
from openapi_core.testing import MockRequest
from openapi_spec_validator import validate
from PIL import Image
from schemathesis.checks import positive_data_acceptance
from schemathesis.config import SchemathesisConfig

from tests.api_support import bearer, new_item, user_with_token
from tests.widget_support import ORIGIN, app, form_token, project, send  # noqa: F401
from triage.api.openapi import DOCUMENT
from triage.extensions import db
from triage.models import Role
from triage.services.accounts import create_project

SPEC = OpenAPI.from_dict(DOCUMENT)
# Invalid data may also be refused as too large (a string over its maxLength can pass the
# body cap) or as not JSON: both are refusals, as the default 400, 404 or 422 are.
FUZZ_CONFIG = {"checks": {"negative_data_rejection": {
    "expected-statuses": [400, 401, 403, 404, 406, 413, 415, 422, 428]}}}


def conforms(response):
    """Validate a test-client answer against the document (raises on any mismatch). The
    request is described without its body, which the app has consumed already."""
    sent = response.request
    request = MockRequest(sent.host_url, sent.method.lower(), sent.path, args=sent.args,
                          headers=dict(sent.headers), content_type=sent.mimetype)
    SPEC.validate_response(request, WerkzeugOpenAPIResponse(response))
    return response


def test_document_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.json["openapi"] == "3.1.0"
    validate(response.json)
    conforms(response)


def test_document_covers_every_api_route(app):
    routes = {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule.removeprefix("/api/v1")), method.lower())
              for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")
              for method in r.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, ops in DOCUMENT["paths"].items() for method in ops}
    assert routes == documented


def test_widget_endpoints_answer_as_documented(client, project):
    conforms(client.get(f"/api/v1/form-token?key={project.public_key}"))
    conforms(client.get("/api/v1/form-token?key=nope"))
    conforms(client.get(f"/api/v1/widget-config?key={project.public_key}"))
    project.brand_color, project.logo_version = "#1f5fd1", "0123456789abcdef"
    db.session.commit()
    conforms(client.get(f"/api/v1/widget-config?key={project.public_key}", headers={"Origin": ORIGIN}))
    conforms(client.get("/api/v1/widget-config?key=nope"))
    receipt = conforms(send(client, project, headers={"Idempotency-Key": "key-12345678"}))
    assert receipt.status_code == 201
    assert conforms(send(client, project, headers={"Idempotency-Key": "key-12345678"})).status_code == 200
    conforms(send(client, project, email="not an email"))
    conforms(client.post("/api/v1/feedback", data="x", headers={"Origin": ORIGIN}))
    conforms(send(client, project, origin="https://evil.example", form_token="x"))
    png = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(png, "PNG")
    upload = client.post(receipt.json["upload_url"], headers={"Origin": ORIGIN}, data={
        "token": receipt.json["upload_token"], "file": (io.BytesIO(png.getvalue()), "shot.png")})
    assert conforms(upload).status_code == 201
    conforms(client.post(receipt.json["upload_url"], data={"token": "wrong"}))


def test_staff_endpoints_answer_as_documented(client, project):
    _, agent = user_with_token(Role.AGENT)
    _, pm = user_with_token(Role.PM)
    item = new_item(project, email="ann@example.com")
    new_item(project, "Second")
    assert conforms(client.get("/api/v1/items?limit=1", headers=bearer(agent))).json["next_cursor"]
    conforms(client.get("/api/v1/items?limit=0", headers=bearer(agent)))
    conforms(client.get("/api/v1/items"))
    url = f"/api/v1/items/{item.id}"
    conforms(client.patch(url, headers=bearer(agent), json={
        "status": "triaged", "tags": ["x"], "comment": {"body": "On it", "public": False}}))
    assert len(conforms(client.get(url, headers=bearer(agent))).json["comments"]) == 1
    conforms(client.patch(url, headers=bearer(pm), json={"status": "closed"}))
    conforms(client.patch(url, headers=bearer(agent), json={"status": "nope"}))
    conforms(client.patch(url, headers=bearer(agent), data="status=closed"))
    conforms(client.get("/api/v1/items/99999", headers=bearer(agent)))


@pytest.fixture
def live_app(make_app, tmp_path):
    """The app with generous limits, one project, items and an agent's token (in its config
    as FUZZ_TOKEN); no app context is left pushed, so each request gets its own as in production."""
    live = make_app(FORM_MIN_FILL_SECONDS=0, UPLOAD_FOLDER=str(tmp_path / "uploads"),
                    API_RATE_LIMIT_PER_ADDRESS="100000 per minute", API_RATE_LIMIT_OVERALL="100000 per minute",
                    API_RATE_LIMIT_PER_KEY="100000 per minute", API_RATE_LIMIT_FORM_TOKENS="100000 per minute",
                    API_RATE_LIMIT_PER_TOKEN="100000 per minute", AUTH_FAILURE_RATE_LIMIT="100000 per minute",
                    VOTE_RATE_LIMIT="100000 per minute", SIMILAR_RATE_LIMIT="100000 per minute")
    with live.app_context():
        shop = create_project("shop", "Shop")
        shop.allowed_origins = [ORIGIN]
        db.session.commit()
        for n in range(3):
            new_item(shop, f"Item {n}")
        _, live.config["FUZZ_TOKEN"] = user_with_token(Role.AGENT)
    return live


@pytest.fixture
def live_schema(live_app):
    # The agent's token goes in through schemathesis's own configuration, so that a case
    # whose Authorization header it mutates (a negative case) is sent as generated.
    config = SchemathesisConfig.from_dict({**FUZZ_CONFIG, "headers": bearer(live_app.config["FUZZ_TOKEN"])})
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", live_app, config=config)


fuzzed = schemathesis.pytest.from_fixture("live_schema")


@fuzzed.parametrize()
@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_fuzzed_requests_pass_every_check_but_positive_data_acceptance(case, live_app):
    """Every schemathesis check (no 5xx, only documented statuses, headers and bodies, 405 with
    Allow, missing auth refused, invalid data refused, ...), on valid and on invalid data. Left
    out: positive_data_acceptance, which wants every schema-valid request accepted, while a
    schema cannot say that team 1 must exist or that a string may not hold a lone surrogate."""
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
