"""The public widget API: POST /api/v1/feedback with CORS, idempotency and anti-abuse."""
import itertools
import time

import pytest

from tests.widget_support import ORIGIN, app, assert_error, item_count, project, send  # noqa: F401
from triage.extensions import db
from triage.models import Channel, Feedback, Kind
from triage.services import intake
from triage.services.intake import antispam, widget
from triage.services.accounts import create_project


def test_widget_submission_is_stored_with_its_context(client, project):
    errors = [{"message": f"boom {i}", "source": "app.js", "line": i, "column": 1} for i in range(15)]
    response = send(client, project, email="Ann@Example.com", context={
        "page_url": "https://shop.example.com/cart", "referrer": "https://shop.example.com/",
        "user_agent": "Mozilla/5.0 Test", "viewport": "1280x720", "language": "de-DE",
        "app_version": "4.2.0", "metadata": {"plan": "pro", "seats": 12, "nested": {"a": 1}},
        "js_errors": errors, "secret_extra": "dropped"})
    assert response.status_code == 201
    item = db.session.get(Feedback, response.json["id"])
    assert (item.kind, item.channel, item.quarantined) == (Kind.BUG, Channel.WIDGET, False)
    assert item.title == "Export crashes" and item.body == "Export crashes\nEvery time."
    assert item.submitter_email == "ann@example.com"
    ctx = item.context
    assert ctx["page_url"] == "https://shop.example.com/cart" and ctx["app_version"] == "4.2.0"
    assert ctx["metadata"] == {"plan": "pro", "seats": 12, "nested": '{"a": 1}'}
    assert [e["message"] for e in ctx["js_errors"]] == [f"boom {i}" for i in range(5, 15)]
    assert "secret_extra" not in ctx and "user" not in ctx
    assert response.json["status_url"].endswith(f"/status/{item.status_token}")
    assert client.get(response.json["status_url"]).status_code == 200


def test_cors_answers_the_allowed_origin_without_credentials_or_cookies(client, project):
    response = send(client, project)
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "Origin" in response.headers["Vary"]
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("origin, allowed", [
    ("https://app.example.org", True), ("https://a.b.example.org", True),
    ("http://localhost:8080", True), ("https://example.org", False),
    ("https://evilexample.org", False), ("http://app.example.org", False),
    ("https://shop.example.com:8443", False), ("null", False),
])
def test_only_allowed_origins_may_send(client, project, origin, allowed):
    token = antispam.issue_form_token(project.public_key, "test-secret")
    response = client.post("/api/v1/feedback", headers={"Origin": origin}, json={
        "public_key": project.public_key, "message": "Hi", "form_token": token})
    if allowed:
        assert response.status_code == 201 and response.headers["Access-Control-Allow-Origin"] == origin
    else:
        assert_error(response, 403, "origin_not_allowed")
        assert not any(h.startswith("Access-Control-") for h in response.headers.keys())
        assert item_count() == 0


def test_form_token_is_refused_to_other_origins_in_words_they_can_read(client, project):
    response = client.get(f"/api/v1/form-token?key={project.public_key}", headers={"Origin": "https://evil.test"})
    assert_error(response, 403, "origin_not_allowed")
    assert "token" not in response.json
    assert response.headers["Access-Control-Allow-Origin"] == "https://evil.test"  # the widget can say why


def test_preflight_is_answered_for_allowed_origins_only(client, project):
    ask = {"Access-Control-Request-Method": "POST",
           "Access-Control-Request-Headers": "content-type,idempotency-key"}
    response = client.options("/api/v1/feedback", headers={"Origin": ORIGIN, **ask})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Idempotency-Key" in response.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers
    refused = client.options("/api/v1/feedback", headers={"Origin": "https://evil.test", **ask})
    assert_error(refused, 403, "origin_not_allowed")
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_call_without_origin_is_an_api_submission(client, project):
    response = send(client, project, origin=None, kind="idea", title="Dark mode", message="Please.")
    assert response.status_code == 201 and "Access-Control-Allow-Origin" not in response.headers
    item = db.session.get(Feedback, response.json["id"])
    assert (item.channel, item.kind, item.title, item.body) == (Channel.API, Kind.IDEA, "Dark mode", "Please.")


def test_same_idempotency_key_returns_the_same_item(client, project):
    first = send(client, project, headers={"Idempotency-Key": "key-0001-abcdef"})
    again = send(client, project, headers={"Idempotency-Key": "key-0001-abcdef"}, message="changed")
    other = send(client, project, headers={"Idempotency-Key": "key-0002-abcdef"})
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert first.json["id"] == again.json["id"] != other.json["id"]
    assert first.json["status_url"] == again.json["status_url"]
    assert item_count() == 2


def test_a_key_sent_twice_at_once_still_makes_one_item(client, project, monkeypatch):
    real, calls = intake.item_by_idempotency_key, []

    def late_lookup(project, key):  # both racers looked before either stored
        calls.append(key)
        return None if len(calls) <= 1 else real(project, key)

    send(client, project, headers={"Idempotency-Key": "race-key-123"})
    monkeypatch.setattr(intake, "item_by_idempotency_key", late_lookup)
    response = send(client, project, headers={"Idempotency-Key": "race-key-123"})
    # The key is read once; the failed insert rolls back to its savepoint and reads the winner's item.
    assert response.status_code == 200 and len(calls) == 2
    assert item_count() == 1


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain"])
def test_json_content_type_is_required(client, project, content_type):
    response = client.post("/api/v1/feedback", data=f'{{"public_key": "{project.public_key}"}}',
                           content_type=content_type, headers={"Origin": ORIGIN})
    assert_error(response, 415, "unsupported_media_type")
    assert item_count() == 0


def test_every_api_error_has_the_same_shape(client, project):
    assert_error(client.post("/api/v1/feedback", json={"public_key": "pk_nope", "message": "x"}), 404, "not_found")
    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_error(client.get("/api/v1/feedback"), 405, "method_not_allowed")
    assert_error(client.post("/api/v1/feedback", data="{oops", content_type="application/json"), 400, "bad_request")
    too_deep = "[" * 20_000 + "]" * 20_000  # within the body cap, beyond the parser's recursion limit
    assert_error(client.post("/api/v1/feedback", data=too_deep, content_type="application/json"), 400, "bad_request")
    assert_error(client.post("/api/v1/feedback", json=["a list"]), 422, "invalid")
    error = assert_error(send(client, project, kind="rant", message="", email="not-an-email"), 422, "invalid")
    assert set(error["fields"]) == {"kind", "message", "email"}
    error = assert_error(send(client, project, message="x" * 20_001), 422, "invalid")
    assert "message" in error["fields"]
    error = assert_error(send(client, project, headers={"Idempotency-Key": "short"}), 422, "invalid")
    assert "idempotency_key" in error["fields"]
    assert item_count() == 0


@pytest.mark.parametrize("key", ["pk_" + "a" * 80, "pk_ü", "pk_a b"])
def test_a_key_no_project_could_have_is_an_unknown_key(client, project, key):
    """Never looked up: PostgreSQL refuses NUL bytes in text, which would be a 500."""
    assert_error(client.get("/api/v1/form-token", query_string={"key": key}), 404, "not_found")
    assert_error(client.get("/api/v1/surveys/next", query_string={"key": key, "visitor": "v" * 12}), 404, "not_found")
    assert_error(client.post("/api/v1/feedback", json={"public_key": key, "message": "x"}), 404, "not_found")


def test_a_key_with_a_nul_byte_is_refused_before_any_lookup(client, project):
    """PostgreSQL cannot store or compare text with NUL: refused as malformed input (400)."""
    assert_error(client.get("/api/v1/form-token", query_string={"key": "\x00"}), 400)
    assert_error(client.get("/api/v1/surveys/next", query_string={"key": "\x00", "visitor": "v" * 12}), 400)
    assert_error(client.post("/api/v1/feedback", json={"public_key": "\x00", "message": "x"}), 400)


def test_body_over_the_cap_is_a_json_413(client, project):
    response = send(client, project, message="x" * (70 * 1024))
    assert_error(response, 413, "request_entity_too_large")
    assert item_count() == 0


def quarantine_reasons(response) -> list[str]:
    assert response.status_code == 201  # looks like success to the sender
    item = db.session.get(Feedback, response.json["id"])
    return item.context.get("quarantine", []) if item.quarantined else []


def test_suspected_spam_is_kept_in_quarantine(client, project):
    expired = antispam.issue_form_token(project.public_key, "test-secret", now=time.time() - 3 * 3600)
    other_key = antispam.issue_form_token("pk_other", "test-secret")
    forged = antispam.issue_form_token(project.public_key, "not-our-secret")
    assert quarantine_reasons(send(client, project)) == []
    assert quarantine_reasons(send(client, project, website="http://spam.example")) == ["honeypot"]
    assert quarantine_reasons(send(client, project, form_token=expired)) == ["expired_token"]
    assert quarantine_reasons(send(client, project, form_token=other_key)) == ["invalid_token"]
    assert quarantine_reasons(send(client, project, form_token=forged)) == ["invalid_token"]
    assert quarantine_reasons(send(client, project, form_token=None)) == ["missing_token"]
    assert item_count() == 6


def test_filling_the_form_faster_than_a_human_is_quarantined(make_app):
    app = make_app(FORM_MIN_FILL_SECONDS=30)
    client = app.test_client()
    with app.app_context():
        project = create_project("shop", "Shop")
        db.session.commit()
        assert quarantine_reasons(send(client, project, origin=None)) == ["too_fast"]
        late = antispam.issue_form_token(project.public_key, "test-secret", now=time.time() - 31)
        assert quarantine_reasons(send(client, project, origin=None, form_token=late)) == []


def test_identity_signed_with_the_project_secret_is_verified(client, project):
    user = {"id": "u-42", "email": "Vera@Example.com", "name": "Vera"}
    signature = widget.sign_identity(user, project.identity_secret)
    signed = db.session.get(Feedback, send(client, project, user=user, user_signature=signature).json["id"])
    assert signed.context["user"] == user and signed.context["user_verified"] is True
    assert signed.submitter_email == "vera@example.com"
    posing = {**user, "id": "u-1"}
    forged = db.session.get(Feedback, send(client, project, user=posing, user_signature=signature).json["id"])
    unsigned = db.session.get(Feedback, send(client, project, user=user).json["id"])
    for item in (forged, unsigned):
        assert item.context["user_verified"] is False and item.submitter_email is None
    assert forged.context["user"]["id"] == "u-1"


RUNS = itertools.count()


def send_from(client, project, addr: str):
    token = antispam.issue_form_token(project.public_key, "test-secret")
    return send(client, project, addr=addr, form_token=token)


def test_rate_limits_per_address_per_key_and_overall(make_app):
    def codes(app, senders):
        client = app.test_client()
        with app.app_context():
            run = next(RUNS)  # the apps share the test's database
            projects = {key: create_project(f"{key}{run}", key) for key in "ab"}
            for p in projects.values():
                p.allowed_origins = [ORIGIN]
            db.session.commit()
            return [send_from(client, projects[key], addr).status_code for key, addr in senders]

    base = {"FORM_MIN_FILL_SECONDS": 0, "API_RATE_LIMIT_PER_ADDRESS": "100 per minute",
            "API_RATE_LIMIT_PER_KEY": "100 per minute", "API_RATE_LIMIT_OVERALL": "100 per minute"}
    per_address = make_app(**{**base, "API_RATE_LIMIT_PER_ADDRESS": "2 per minute"})
    assert codes(per_address, [("a", "10.0.0.1")] * 3 + [("a", "10.0.0.2")]) == [201, 201, 429, 201]
    per_key = make_app(**{**base, "API_RATE_LIMIT_PER_KEY": "2 per minute"})
    assert codes(per_key, [("a", "10.0.0.1"), ("a", "10.0.0.2"), ("a", "10.0.0.3"), ("b", "10.0.0.4")]) \
        == [201, 201, 429, 201]
    overall = make_app(**{**base, "API_RATE_LIMIT_OVERALL": "2 per minute"})
    assert codes(overall, [("a", "10.0.0.1"), ("b", "10.0.0.2"), ("a", "10.0.0.3")]) == [201, 201, 429]


def test_rate_limited_answer_is_json_the_widget_can_read(make_app):
    app = make_app(FORM_MIN_FILL_SECONDS=0, API_RATE_LIMIT_PER_ADDRESS="1 per minute")
    client = app.test_client()
    with app.app_context():
        project = create_project("shop", "Shop")
        project.allowed_origins = [ORIGIN]
        db.session.commit()
        send(client, project)
        response = send(client, project)
    assert_error(response, 429, "too_many_requests")
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Retry-After" in response.headers


def test_an_email_that_lower_casing_lengthens_past_the_column_is_refused(project):
    """Found by schemathesis on PostgreSQL: "İ".lower() is two code points, so a 254-character
    address could become too long for its column after normalisation."""
    from triage.services import DomainError

    with pytest.raises(DomainError):
        intake.submit_feedback(project, intake.Submission(kind=Kind.BUG, title="x", email="İ" * 200 + "@example.com"))
    assert item_count() == 0
