"""Sign-in, sessions and role checks on every staff page."""
import re

import pytest

from tests.conftest import PASSWORD, csrf_from, make_user
from triage.extensions import db
from triage.models import Role

# Endpoints anyone may open, with an example for each URL argument.
PUBLIC = {"static", "bootstrap.static", "auth.login", "auth.login_code", "auth.forgot_password", "auth.reset_password",
          "intake.feedback_form", "intake.status", "root.index", "root.favicon",
          # the widget and its public API (a public key or an upload token, never a session)
          "intake.widget_js", "api.form_token", "api.submit_feedback", "api.upload_attachment",
          "api.openapi_document", "intake.survey", "api.next_survey", "api.answer_survey",
          # public ideas, votes and "me too" (one vote per email or browser, rate limited)
          "intake.ideas", "intake.vote", "intake.similar", "api.similar", "api.me_too",
          # a project's brand on its hosted pages and in the widget (colours and logo, nothing private)
          "intake.brand_css", "intake.logo", "api.widget_config"}


def example_url(rule) -> str:
    url = rule.rule
    for arg in rule.arguments:
        url = re.sub(rf"<(?:[a-z]+:)?{arg}>", "1", url)
    return url


def staff_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint not in PUBLIC]


def test_every_staff_endpoint_refuses_an_anonymous_visitor(app, client):
    rules = staff_rules(app)
    assert len(rules) >= 8  # the walk really covers the staff pages
    token = csrf_from(client, "/auth/login")  # a valid token must not open the door either
    for rule in rules:
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(example_url(rule), method=method, data={"csrf_token": token})
            assert response.status_code in (302, 401), f"{method} {rule.rule} -> {response.status_code}"
            if response.status_code == 302:
                assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.AGENT, Role.PM])
def test_non_admins_cannot_reach_any_admin_page(app, client, auth, role):
    auth.login(make_user(role))
    token = csrf_from(client, "/board/")
    admin_rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")]
    assert admin_rules
    for rule in admin_rules:
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(example_url(rule), method=method, data={"csrf_token": token})
            assert response.status_code == 403, f"{method} {rule.rule}"


def test_pm_can_read_the_inbox_but_not_change_items(client, auth, pm, project):
    from triage.services.intake import Submission, submit_feedback
    from triage.models import Kind

    item = submit_feedback(project, Submission(kind=Kind.BUG, title="Broken"))
    db.session.commit()
    auth.login(pm)
    assert client.get("/board/").status_code == 200
    assert client.get(f"/board/items/{item.id}").status_code == 200
    response = client.post(f"/board/items/{item.id}/status",
                           data={"status": "closed", "csrf_token": csrf_from(client, "/board/")})
    assert response.status_code == 403


def test_login_with_right_password_opens_the_inbox(client, auth, agent):
    response = auth.login(agent)
    assert response.status_code == 302 and response.headers["Location"].endswith("/board/")
    assert client.get("/board/").status_code == 200


def test_wrong_email_and_wrong_password_get_the_same_message(client, auth, agent):
    wrong_password = auth.login(agent, "not the password").get_data(as_text=True)
    wrong_email = auth.login("nobody@example.com").get_data(as_text=True)
    message = "Email or password is wrong"
    assert message in wrong_password and message in wrong_email
    assert client.get("/board/").status_code == 302


def test_disabled_user_cannot_sign_in(client, auth, agent):
    agent.active = False
    db.session.commit()
    assert auth.login(agent).status_code == 422
    assert client.get("/board/").status_code == 302


def test_login_is_rate_limited(make_app, agent):
    app = make_app(LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    token = csrf_from(client, "/auth/login")
    codes = [client.post("/auth/login", data={"email": agent.email, "password": guess,
                                              "csrf_token": token}).status_code
             for guess in ["a", "b", "c", PASSWORD, PASSWORD]]
    assert codes == [422, 422, 422, 429, 429]  # even the right password waits out the limit


def test_login_starts_a_new_session(client, auth, agent):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login(agent)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_logout_ends_the_session_even_if_the_cookie_is_replayed(client, auth, agent):
    auth.login(agent)
    stolen = client.get_cookie("session").value
    auth.logout()
    assert client.get("/board/").status_code == 302
    client.set_cookie("session", stolen)
    assert client.get("/board/").status_code == 302


def test_login_ignores_a_next_link_to_another_site(client, auth, agent):
    response = client.post("/auth/login?next=https://evil.example/", data={
        "email": agent.email, "password": PASSWORD, "csrf_token": csrf_from(client, "/auth/login")})
    assert response.headers["Location"].endswith("/board/")


def test_session_cookie_is_httponly_and_samesite_lax(client, auth, agent):
    response = auth.login(agent)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_passwords_are_stored_hashed(agent):
    assert PASSWORD not in agent.password_hash
    assert agent.password_hash.startswith("scrypt:")
