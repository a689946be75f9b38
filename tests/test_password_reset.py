"""Password reset by email: a link through the outbox that works once, for a limited time."""
import re
import time

import pyotp
import pytest

from tests.conftest import PASSWORD, csrf_from, make_user
from tests.servers import smtp_server  # noqa: F401  (fixture)
from triage import worker
from triage.extensions import db
from triage.models import Role
from triage.services import accounts
from triage.services.accounts import passwords

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def mail_app(make_app, smtp_server):  # noqa: F811
    sink, port = smtp_server
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    with app.app_context():
        yield app, sink


def ask_reset(client, email: str):
    return client.post("/auth/reset", data={"email": email, "csrf_token": csrf_from(client, "/auth/reset")})


def link_for(user) -> str:
    return "/auth/reset/" + passwords.reset_token(user)


def choose(client, link: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    path = link.split("localhost:5000", 1)[-1]
    return client.post(path, data={"password": password, "confirm": confirm or password,
                                   "csrf_token": csrf_from(client, "/auth/login")})


def test_the_sign_in_page_offers_a_reset_and_the_emailed_link_sets_a_new_password_and_signs_in(mail_app):
    app, sink = mail_app
    agent = make_user(Role.AGENT, "agent@example.com")
    old_session = app.test_client()
    old_session.post("/auth/login", data={"email": agent.email, "password": PASSWORD,
                                          "csrf_token": csrf_from(old_session, "/auth/login")})
    assert old_session.get("/board/").status_code == 200
    client = app.test_client()
    assert "/auth/reset" in client.get("/auth/login").get_data(as_text=True)

    answer = ask_reset(client, "Agent@Example.com ")
    assert answer.status_code == 200 and "Check your email" in answer.get_data(as_text=True)
    assert sink.messages == []  # nothing is sent inside the request: the outbox holds it
    assert worker.deliver_pending().sent == 1
    (mail,) = sink.to("agent@example.com")
    link = re.search(r"http://\S+/auth/reset/\S+", mail["body"]).group(0)
    assert "60 minutes" in mail["body"]

    assert client.get(link.split("localhost:5000", 1)[1]).status_code == 200
    response = choose(client, link)
    assert response.status_code == 302 and response.headers["Location"].endswith("/board/")
    assert client.get("/board/").status_code == 200  # signed in with a fresh session
    assert old_session.get("/board/").status_code == 302  # every other session ended
    db.session.refresh(agent)
    assert agent.check_password(NEW_PASSWORD) and not agent.check_password(PASSWORD)


def test_a_used_link_no_longer_works(app, agent):
    link = link_for(agent)
    client = app.test_client()
    assert choose(client, link).status_code == 302
    again = app.test_client()
    assert again.get(link).status_code == 400
    assert choose(again, link, "yet another password").status_code == 400
    db.session.refresh(agent)
    assert agent.check_password(NEW_PASSWORD)


def test_a_link_dies_when_the_password_changes_elsewhere(app, agent):
    link = link_for(agent)
    accounts.set_password(agent, "changed by an admin")
    db.session.commit()
    response = app.test_client().get(link)
    assert response.status_code == 400 and "no longer works" in response.get_data(as_text=True)


def test_an_expired_or_forged_link_is_refused(app, agent):
    token = passwords.reset_token(agent)
    app.config["PASSWORD_RESET_MAX_AGE"] = 1
    time.sleep(2.1)  # itsdangerous stamps whole seconds
    client = app.test_client()
    assert choose(client, "/auth/reset/" + token).status_code == 400
    assert client.get("/auth/reset/" + token[:-2] + "xx").status_code == 400
    assert client.get("/auth/reset/garbage").status_code == 400
    db.session.refresh(agent)
    assert agent.check_password(PASSWORD)


def test_the_new_password_follows_the_usual_rules(app, agent):
    link = link_for(agent)
    client = app.test_client()
    assert choose(client, link, "short").status_code == 422
    assert choose(client, link, NEW_PASSWORD, "something else").status_code == 422
    db.session.refresh(agent)
    assert agent.check_password(PASSWORD)


def test_an_unknown_or_disabled_email_gets_the_same_answer_and_no_email(mail_app):
    app, sink = mail_app
    disabled = make_user(Role.AGENT, "gone@example.com")
    disabled.active = False
    make_user(Role.AGENT, "agent@example.com")
    db.session.commit()
    client = app.test_client()

    def page(email):
        response = ask_reset(client, email)
        return response.status_code, response.get_data(as_text=True).replace(email, "EMAIL")
    known, unknown, gone = page("agent@example.com"), page("nobody@example.com"), page("gone@example.com")
    known_body = re.sub(r'value="[^"]+"', "", known[1])
    assert known[0] == unknown[0] == gone[0] == 200
    assert known_body == re.sub(r'value="[^"]+"', "", unknown[1]) == re.sub(r'value="[^"]+"', "", gone[1])
    worker.deliver_pending()
    assert [m["to"] for m in sink.messages] == [["agent@example.com"]]


def test_reset_requests_are_limited_per_address(make_app):
    app = make_app(PASSWORD_RESET_RATE_LIMIT="3 per hour")
    with app.app_context():
        client = app.test_client()
        codes = [ask_reset(client, f"person{n}@example.com").status_code for n in range(4)]
        assert codes == [200, 200, 200, 429]


def test_reset_requests_are_limited_per_email_whatever_the_address(make_app):
    app = make_app(PASSWORD_RESET_EMAIL_RATE_LIMIT="2 per hour")
    with app.app_context():
        make_user(Role.AGENT, "agent@example.com")
        codes = []
        for n in range(3):
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
            codes.append(ask_reset(client, "agent@example.com" if n != 1 else "AGENT@example.com").status_code)
        assert codes == [200, 200, 429]


def test_a_reset_does_not_skip_the_two_factor_code(app, agent):
    from triage.services.accounts import two_factor

    enrolment = two_factor.start_enrolment(agent)
    two_factor.enable(agent, enrolment.ticket, pyotp.TOTP(enrolment.secret).now())
    db.session.commit()
    client = app.test_client()
    response = choose(client, link_for(agent))
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/login/code")
    assert client.get("/board/").status_code == 302
