"""Bad input through every public form and API endpoint: too big (declared or chunked), wrong
types, text that is not UTF-8, NUL bytes, deep nesting, 10,000 tags, injection strings, huge
headers, unknown fields. Each gets a clear 4xx (or, for text that is only odd, is stored as
sent and shown inert), the database is unchanged and the app keeps answering."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from tests.api_support import bearer, new_item, user_with_token
from tests.conftest import csrf_from
from tests.widget_support import ORIGIN, app, form_token, project  # noqa: F401
from triage.intake.uploads import FORM_OVERHEAD
from triage.extensions import db
from triage.models import Comment, Event, Feedback, Role, SurveyKind, SurveyResponse
from triage.services.intake import surveys

MIB = 1024 * 1024
SQL = "'; DROP TABLE feedback; -- \" OR 1=1 --"
TEMPLATE = "{{ 7*7 }} {% print(1) %} ${7*7} #{7*7}"
JSON_HEADERS = {"Content-Type": "application/json", "Origin": ORIGIN}


def counts() -> tuple[int, ...]:
    db.session.expire_all()
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Feedback, Event, Comment, SurveyResponse))


@pytest.fixture
def survey(project):
    made = surveys.create_survey(project, SurveyKind.NPS, "")
    db.session.commit()
    return made


@pytest.fixture
def before(app, project, survey):
    """The database's counts before the bad request; the test asserts they did not move."""
    return counts()


def feedback_body(project, client, **fields) -> dict:
    return {"public_key": project.public_key, "message": "Export crashes",
            "form_token": form_token(client, project.public_key), **fields}


def post_json(client, path: str, body: bytes | str, headers: dict | None = None):
    data = body.encode() if isinstance(body, str) else body
    return client.post(path, data=data, headers={**JSON_HEADERS, **(headers or {})})


def public_json_endpoints(project, survey) -> list[str]:
    return ["/api/v1/feedback", f"/api/v1/surveys/{survey.token}/responses"]


def chunked(client, path: str, size: int, content_type: str):
    """POST a body of `size` bytes without Content-Length, as a chunked request arrives."""
    return client.post(path, input_stream=io.BytesIO(b"a" * size), content_type=content_type,
                       headers={"Transfer-Encoding": "chunked", "Origin": ORIGIN},
                       environ_overrides={"wsgi.input_terminated": True})


def assert_4xx(response, *statuses: int) -> None:
    assert response.status_code in statuses, (response.status_code, response.get_data(as_text=True)[:300])


# -- too big ------------------------------------------------------------------------------

def test_api_bodies_over_the_cap_are_413(client, project, survey, before):
    for path in public_json_endpoints(project, survey):
        body = json.dumps({"public_key": project.public_key, "message": "x" * (65 * 1024)})
        assert_4xx(post_json(client, path, body), 413)
        assert_4xx(chunked(client, path, 65 * 1024, "application/json"), 413)
    assert counts() == before


def test_form_bodies_over_the_cap_are_413(app, client, project, survey, before):
    # The hosted form may carry its screenshots: its cap is theirs plus the text around them.
    form_cap = app.config["UPLOAD_MAX_BYTES"] * app.config["UPLOAD_MAX_PER_ITEM"] + FORM_OVERHEAD
    for path, cap in (("/p/shop", form_cap), (f"/s/{survey.token}", MIB), ("/auth/login", MIB)):
        big = {"csrf_token": "x", "title": "t", "description": "x" * (cap + 10)}
        assert_4xx(client.post(path, data=big), 413)
        assert_4xx(chunked(client, path, cap + 10, "application/x-www-form-urlencoded"), 413)
    assert counts() == before


def test_upload_over_the_cap_is_413(client, project):
    item = new_item(project)
    before = counts()
    body = (b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
            b"Content-Type: image/png\r\n\r\n\x89PNG" + b"0" * (6 * MIB) + b"\r\n--B--\r\n")
    response = client.post(f"/api/v1/feedback/{item.id}/attachments", headers={"Origin": ORIGIN}, data=body,
                           content_type="multipart/form-data; boundary=B")
    assert_4xx(response, 413)
    assert counts() == before


# -- malformed or wrong ---------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    b'{"message": "caf\xc3', b'{"message": "\xff\xfe"}', b"\xef\xbb\xbf\xff", b"{", b"[]", b'"text"', b"null",
    b'{"message": "lone \\ud800 surrogate"}', b"[" * 30000 + b"]" * 30000, b'{"a":' * 5000 + b"1" + b"}" * 5000,
])
def test_malformed_json_is_a_4xx_on_every_public_endpoint(client, project, survey, before, raw):
    for path in public_json_endpoints(project, survey):
        assert_4xx(post_json(client, path, raw), 400, 422)
    assert counts() == before


def test_json_endpoints_want_json(client, project, survey, before):
    for path in public_json_endpoints(project, survey):
        assert_4xx(client.post(path, data="message=hi", headers={"Origin": ORIGIN},
                               content_type="application/x-www-form-urlencoded"), 415)
    assert counts() == before


@pytest.mark.parametrize("fields", [
    {"message": 12}, {"message": ["a"]}, {"message": {"text": "a"}}, {"title": True}, {"kind": ["bug"]},
    {"kind": "virus"}, {"email": 5}, {"email": "not an address"}, {"user": "u-42"}, {"user": [1]},
    {"context": []}, {"context": {"js_errors": {"0": {}}}}, {"context": {"metadata": [1, 2]}},
    {"message": ""}, {"message": "x" * 20001}, {"title": "x" * 201}, {"unknown": 1}, {"__proto__": {}},
])
def test_wrong_types_and_shapes_in_feedback_are_422(client, project, before, fields):
    response = post_json(client, "/api/v1/feedback", json.dumps(feedback_body(project, client, **fields)))
    assert_4xx(response, 422)
    assert response.json["error"]["fields"]
    assert counts() == before


@pytest.mark.parametrize("body", [
    {"score": "10"}, {"score": 11}, {"score": -1}, {"score": 1.5}, {"score": True}, {"score": [7]},
    {"score": 7, "comment": 5}, {"score": 7, "comment": "x" * 5001}, {"score": 7, "visitor": "short"},
    {"score": 7, "visitor": {"id": 1}}, {"score": 7, "user": [1]},
])
def test_wrong_types_in_survey_answers_are_422(client, survey, before, body):
    response = post_json(client, f"/api/v1/surveys/{survey.token}/responses",
                         json.dumps({"visitor": "v-12345678", **body}))
    assert_4xx(response, 422)
    assert counts() == before


def test_nul_bytes_are_refused_everywhere_text_comes_in(client, project, survey, before):
    assert_4xx(post_json(client, "/api/v1/feedback", json.dumps(feedback_body(project, client, message="a\x00b"))),
               400, 422)
    assert_4xx(post_json(client, "/api/v1/feedback", json.dumps(feedback_body(
        project, client, context={"page_url": "https://x/\x00", "metadata": {"k\x00": "v\x00"}}))), 400, 422)
    assert_4xx(post_json(client, f"/api/v1/surveys/{survey.token}/responses",
                         json.dumps({"visitor": "v-12345678", "score": 7, "comment": "a\x00b"})), 400, 422)
    token = csrf_from(client, "/p/shop")
    assert_4xx(client.post("/p/shop", data={"csrf_token": token, "kind": "idea", "title": "a\x00b"}), 400, 422)
    token = csrf_from(client, f"/s/{survey.token}")
    assert_4xx(client.post(f"/s/{survey.token}", data={"csrf_token": token, "score": "7", "comment": "a\x00"}),
               400, 422)
    assert_4xx(client.post("/auth/login", data={"csrf_token": csrf_from(client, "/auth/login"),
                                                "email": "a\x00@example.com", "password": "x\x00"}), 400, 422)
    assert counts() == before


def test_form_text_that_is_not_utf8_is_refused_or_kept_as_its_escapes(client, project, survey):
    before = counts()
    token = csrf_from(client, "/p/shop")
    raw = b"csrf_token=" + token.encode() + b"&kind=idea&title=caf\xc3\x28\xff"  # raw bytes: unreadable
    assert_4xx(client.post("/p/shop", data=raw, content_type="application/x-www-form-urlencoded"), 400, 422)
    assert counts() == before
    escaped = b"csrf_token=" + token.encode() + b"&kind=idea&title=caf%C3%28%FF"  # escapes: kept as sent
    assert client.post("/p/shop", data=escaped, content_type="application/x-www-form-urlencoded").status_code == 303
    assert db.session.scalar(select(Feedback.title)) == "caf%C3(%FF"


def test_query_strings_that_are_not_utf8_or_hold_nul_are_4xx(client, project):
    for path in ("/api/v1/form-token?key=%FF%FE", "/api/v1/form-token?key=pk_%00",
                 "/api/v1/surveys/next?key=%FF&visitor=v-12345678", "/status/%00abc", "/p/%FF",
                 f"/api/v1/surveys/next?key={project.public_key}&visitor=v-12345678&user=%7B%22a%22%3A%22%00%22%7D"):
        response = client.get(path, headers={"Origin": ORIGIN})
        assert 400 <= response.status_code < 500, (path, response.status_code)


# -- many, long, odd ---------------------------------------------------------------------------

def test_ten_thousand_tags_are_refused_by_the_staff_api(client, project):
    item = new_item(project)
    _, token = user_with_token(Role.AGENT)
    before = counts()
    response = client.patch(f"/api/v1/items/{item.id}", json={"tags": [f"t{n}" for n in range(10_000)]},
                            headers=bearer(token))
    assert_4xx(response, 413, 422)
    for tags in ("bug", [1, 2], [""], ["x" * 1000], {"a": 1}):
        assert_4xx(client.patch(f"/api/v1/items/{item.id}", json={"tags": tags}, headers=bearer(token)), 422)
    assert_4xx(client.patch(f"/api/v1/items/{item.id}", json={"color": "red"}, headers=bearer(token)), 422)
    assert counts() == before
    db.session.refresh(item)
    assert not item.tags


def test_thousands_of_metadata_keys_and_errors_are_capped(client, project):
    context = {"metadata": {f"k{n}": n for n in range(2000)}, "js_errors": [{"message": "e"}] * 2000}
    response = post_json(client, "/api/v1/feedback", json.dumps(feedback_body(project, client, context=context)))
    assert response.status_code == 201
    stored = db.session.get(Feedback, response.json["id"]).context
    assert len(stored["metadata"]) == 30 and len(stored["js_errors"]) == 10


def test_huge_headers_are_refused_or_ignored(client, project, before):
    body = json.dumps(feedback_body(project, client))
    assert_4xx(post_json(client, "/api/v1/feedback", body, {"Idempotency-Key": "k" * 8000}), 422)
    response = post_json(client, "/api/v1/feedback", body, {"User-Agent": "U" * 8000, "Referer": "R" * 8000,
                                                             "Idempotency-Key": "key-12345678"})
    assert response.status_code == 201
    assert len(db.session.get(Feedback, response.json["id"]).context["user_agent"]) == 500


def test_injection_strings_are_stored_as_text_and_shown_inert(client, project):
    response = post_json(client, "/api/v1/feedback", json.dumps(feedback_body(
        project, client, title=TEMPLATE, message=SQL, email="a@example.com")))
    assert response.status_code == 201
    item = db.session.get(Feedback, response.json["id"])
    assert (item.title, item.body) == (TEMPLATE, SQL)
    assert "{{ 7*7 }} {% print(1) %}" in client.get(response.json["status_url"]).get_data(as_text=True)
    token = csrf_from(client, "/p/shop")
    answer = client.post("/p/shop", data={"csrf_token": token, "kind": "idea", "title": SQL,
                                          "description": TEMPLATE})
    assert answer.status_code == 303
    assert "&#39;; DROP TABLE feedback" in client.get(answer.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 2  # the table is still there


def test_unknown_form_fields_change_nothing_they_should_not(client, project):
    token = csrf_from(client, "/p/shop")
    response = client.post("/p/shop", data={"csrf_token": token, "kind": "idea", "title": "Dark mode",
                                            "status": "resolved", "team_id": "1", "quarantined": "y", "id": "999"})
    assert response.status_code == 303
    [item] = db.session.scalars(select(Feedback)).all()
    assert item.id != 999 and item.status.value == "new" and not item.quarantined and item.team_id is None


def test_the_app_keeps_answering_after_all_that(client, project):
    for raw in (b"[" * 30000, b"\xff" * 100, b"{}" * 1000):
        post_json(client, "/api/v1/feedback", raw)
    assert client.post("/api/v1/feedback", json=feedback_body(project, client),
                       headers={"Origin": ORIGIN}).status_code == 201


def test_staff_list_refuses_unknown_empty_and_repeated_parameters(client, project):
    _, token = user_with_token(Role.AGENT)
    for query in ("colour=red", "priority=", "status=", "team=", "limit=", "team=1&team=2", "=x"):
        response = client.get(f"/api/v1/items?{query}", headers=bearer(token))
        assert_4xx(response, 422)
    assert client.get("/api/v1/items?status=open&q=", headers=bearer(token)).status_code == 200


def test_multipart_with_a_nameless_field_to_a_missing_page_is_a_404(client):
    """Found by schemathesis: a before_request read the form of a request no route matched."""
    body = b'--B\r\nContent-Disposition: form-data; name="\n"\r\n\r\nnull\r\n--B--\r\n'
    response = client.post("/api/v1/feedback/false/attachments", data=body, content_type="multipart/form-data; boundary=B")
    assert response.status_code == 404
    response = client.post("/p/x/nothing", data=body, content_type="multipart/form-data; boundary=B")
    assert response.status_code == 404
