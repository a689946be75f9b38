"""Two-factor sign-in (TOTP): enrolment, the code step after the password, recovery codes,
and admins requiring it."""
import re
import time

import pyotp
import pytest

from tests.conftest import Auth, csrf_from, make_user
from triage.auth import views
from triage.extensions import db
from triage.models import RecoveryCode, Role
from triage.services.accounts import tokens, two_factor


def enrol(user) -> tuple[pyotp.TOTP, list[str]]:
    """Two-factor on for the user through the service; the returned TOTP gives its codes."""
    enrolment = two_factor.start_enrolment(user)
    totp = pyotp.TOTP(enrolment.secret)
    codes = two_factor.enable(user, enrolment.ticket, totp.now())
    db.session.commit()
    return totp, codes


def next_code(totp: pyotp.TOTP) -> str:
    """The next step's code (the current one was spent by enrolment); one step ahead is accepted."""
    return totp.at(time.time() + totp.interval)


def send_code(client, code: str):
    return client.post("/auth/login/code", data={"code": code, "csrf_token": csrf_from(client, "/auth/login")})


def test_enrolment_shows_the_secret_once_and_needs_a_current_code(client, auth, agent):
    auth.login(agent)
    page = client.get("/auth/two-factor")
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store" and "<svg" in html
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1)
    ticket = re.search(r'name="ticket" type="hidden" value="([^"]+)"', html).group(1)
    token = csrf_from(client, "/auth/account")
    wrong = client.post("/auth/two-factor/enable", data={"ticket": ticket, "code": "000000", "csrf_token": token})
    assert wrong.status_code == 422 and secret in wrong.get_data(as_text=True)  # the same secret to retry
    db.session.refresh(agent)
    assert agent.totp_secret is None

    done = client.post("/auth/two-factor/enable",
                       data={"ticket": ticket, "code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert done.status_code == 201
    codes = re.findall(r"<li>([0-9a-f]{4}(?:-[0-9a-f]{4}){3})</li>", done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    db.session.refresh(agent)
    assert agent.totp_secret == secret
    stored = {row.code_hash for row in db.session.query(RecoveryCode).filter_by(user_id=agent.id)}
    assert len(stored) == 10 and not any(c in h or c.replace("-", "") in h for c in codes for h in stored)
    again = client.get("/auth/two-factor").get_data(as_text=True)  # still signed in, secret never shown again
    assert "two-factor-on" in again and secret not in again and codes[0] not in again


def test_a_ticket_for_another_account_is_refused(app, agent, admin):
    enrolment = two_factor.start_enrolment(admin)
    from triage.services import DomainError
    with pytest.raises(DomainError):
        two_factor.enable(agent, enrolment.ticket, pyotp.TOTP(enrolment.secret).now())


def test_the_password_alone_does_not_sign_in_and_the_code_does(client, auth, agent):
    totp, _ = enrol(agent)
    response = auth.login(agent)
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/login/code")
    assert client.get("/board/").status_code == 302  # not signed in yet
    signed_in = send_code(client, next_code(totp))
    assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/board/")
    assert client.get("/board/").status_code == 200


def test_a_wrong_code_is_refused(client, auth, agent):
    enrol(agent)
    auth.login(agent)
    response = send_code(client, "123456")
    assert response.status_code == 422 and "wrong or was already used" in response.get_data(as_text=True)
    assert client.get("/board/").status_code == 302


def test_a_code_is_accepted_only_once(app, agent):
    totp, _ = enrol(agent)
    code = next_code(totp)
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        Auth(client).login(agent)
    assert send_code(first, code).status_code == 302
    assert send_code(second, code).status_code == 422  # replayed, even from another session
    assert second.get("/board/").status_code == 302


def test_a_recovery_code_signs_in_once(client, auth, agent):
    _, codes = enrol(agent)
    auth.login(agent)
    assert send_code(client, codes[3].upper().replace("-", " ")).status_code == 302
    auth.logout()
    auth.login(agent)
    assert send_code(client, codes[3]).status_code == 422
    assert two_factor.recovery_codes_left(agent) == 9


def test_the_code_step_expires(client, auth, agent, monkeypatch):
    totp, _ = enrol(agent)
    monkeypatch.setattr(views, "PENDING_SECONDS", -1)
    auth.login(agent)
    response = send_code(client, next_code(totp))
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/login")
    assert client.get("/board/").status_code == 302


def test_code_attempts_are_limited_per_account_even_from_new_sessions(make_app):
    app = make_app(TWO_FACTOR_RATE_LIMIT="3 per hour")
    with app.app_context():
        agent = make_user(Role.AGENT, "agent@example.com")
        totp, _ = enrol(agent)
        answers = []
        for n in range(4):
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
            Auth(client).login(agent)
            answers.append(send_code(client, "000000" if n < 3 else next_code(totp)).status_code)
        assert answers == [422, 422, 422, 429]


def test_turning_off_needs_a_current_code(client, auth, agent):
    totp, _ = enrol(agent)
    auth.login(agent)
    send_code(client, next_code(totp))
    token = csrf_from(client, "/auth/two-factor")
    refused = client.post("/auth/two-factor/disable", data={"code": "000000", "csrf_token": token})
    assert refused.status_code == 303
    db.session.refresh(agent)
    assert agent.totp_secret is not None
    agent.totp_last_step = None  # let the test reuse a code of this window
    db.session.commit()
    assert client.post("/auth/two-factor/disable", data={"code": totp.now(), "csrf_token": token}).status_code == 302
    db.session.refresh(agent)
    assert agent.totp_secret is None and two_factor.recovery_codes_left(agent) == 0


def test_an_admin_requires_it_and_the_user_must_enrol_before_anything_else(app, client, auth, agent, admin):
    admin_client = app.test_client()
    Auth(admin_client).login(admin)
    form = {"email": agent.email, "name": agent.name, "role": "agent", "team": "", "active": "y",
            "totp_required": "y", "csrf_token": csrf_from(admin_client, f"/admin/users/{agent.id}")}
    assert admin_client.post(f"/admin/users/{agent.id}", data=form).status_code == 302
    db.session.refresh(agent)
    assert agent.totp_required

    response = auth.login(agent)
    assert response.headers["Location"].endswith("/auth/two-factor")
    for page in ("/board/", "/auth/tokens", "/auth/account"):
        assert client.get(page).headers.get("Location", "").endswith("/auth/two-factor"), page
    html = client.get("/auth/two-factor").get_data(as_text=True)
    assert "Your admin requires two-factor sign-in" in html
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1)
    ticket = re.search(r'name="ticket" type="hidden" value="([^"]+)"', html).group(1)
    client.post("/auth/two-factor/enable", data={"ticket": ticket, "code": pyotp.TOTP(secret).now(),
                                                 "csrf_token": csrf_from(client, "/auth/two-factor")})
    assert client.get("/board/").status_code == 200
    token = csrf_from(client, "/auth/two-factor")
    client.post("/auth/two-factor/disable", data={"code": pyotp.TOTP(secret).at(time.time() + 30), "csrf_token": token})
    db.session.refresh(agent)
    assert agent.totp_secret is not None  # required: it stays on


def test_the_setting_requires_it_of_every_staff_account_but_not_of_api_tokens(make_app):
    app = make_app(TWO_FACTOR_REQUIRED=True)
    with app.app_context():
        pm = make_user(Role.PM, "pm@example.com")
        _, value = tokens.create_token(pm, "script")
        db.session.commit()
        client = app.test_client()
        Auth(client).login(pm)
        assert client.get("/board/").headers["Location"].endswith("/auth/two-factor")
        api = app.test_client()
        assert api.get("/api/v1/items", headers={"Authorization": f"Bearer {value}"}).status_code == 200


def test_an_admin_removes_two_factor_for_a_lost_phone(client, auth, agent, admin):
    enrol(agent)
    auth.login(admin)
    form = {"email": agent.email, "name": agent.name, "role": "agent", "team": "", "active": "y",
            "remove_two_factor": "y", "csrf_token": csrf_from(client, f"/admin/users/{agent.id}")}
    assert client.post(f"/admin/users/{agent.id}", data=form).status_code == 302
    db.session.refresh(agent)
    assert agent.totp_secret is None and two_factor.recovery_codes_left(agent) == 0


def test_an_admin_requires_it_of_every_active_account_at_once(client, auth, agent, pm, admin):
    enrol(pm)
    auth.login(admin)
    response = client.post("/admin/users/require-two-factor", data={"csrf_token": csrf_from(client, "/admin/")})
    assert response.status_code == 302
    for user in (agent, pm, admin):
        db.session.refresh(user)
        assert user.totp_required
    assert client.get("/admin/").headers["Location"].endswith("/auth/two-factor")  # the admin too, at once
