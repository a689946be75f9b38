"""Security checks that enumerate app.url_map, so a new route without protection fails:
CSRF on every state-changing HTML route, login for /board, admin-only /admin, the security
headers on every HTML page, and the session cookie's life at login and logout."""
from __future__ import annotations

import pytest

from tests.conftest import csrf_from, make_user
from triage.models import Role

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# Routes that need no CSRF token, and why: the cookie-less widget API (JSON or a one-time
# upload token, CORS-checked) and the staff API (a bearer token; a session cookie does not count).
CSRF_ALLOWED = {"api.submit_feedback", "api.upload_attachment", "api.answer_survey", "api.me_too",  # widget JSON
                "api.update_item", "api.create_release", "api.post_adoption"}  # staff API, bearer tokens


def routes(app, methods: set[str]):
    """(endpoint, method, path) of every rule, with its arguments filled in (1 or "x")."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "bootstrap.static"):
            continue
        args = {name: 1 if rule._converters[name].__class__.__name__ == "IntegerConverter" else "x"
                for name in rule.arguments}
        path = rule.build(args, append_unknown=False)[1]
        found += [(rule.endpoint, method, path) for method in sorted(rule.methods & methods)]
    return found


def test_every_state_changing_html_route_refuses_a_request_without_a_csrf_token(app, client, auth):
    auth.login(make_user(Role.ADMIN))  # past every role check: only the token is missing
    checked = 0
    for endpoint, method, path in routes(app, STATE_CHANGING):
        if endpoint in CSRF_ALLOWED:
            continue
        response = client.open(path, method=method, data={"title": "x"})
        assert response.status_code == 400 and b"Form expired" in response.data, (endpoint, response.status_code)
        checked += 1
    assert checked >= 30


def test_the_csrf_allow_list_is_exactly_the_cookieless_api(app):
    from triage.extensions import csrf

    exempt = {endpoint for endpoint, view in app.view_functions.items()
              if f"{view.__module__}.{view.__name__}" in csrf._exempt_views}
    assert {e for e in exempt if any(e == r[0] for r in routes(app, STATE_CHANGING))} == CSRF_ALLOWED


def test_staff_api_ignores_a_session_cookie(app, client, auth):
    auth.login(make_user(Role.ADMIN))
    assert client.patch("/api/v1/items/1", json={"status": "resolved"}).status_code == 401


@pytest.mark.parametrize("prefix", ["/board", "/admin", "/auth/tokens"])
def test_staff_routes_send_anonymous_visitors_to_sign_in(app, client, prefix):
    for endpoint, method, path in routes(app, {"GET", "POST"}):
        if not path.startswith(prefix):
            continue
        data = {"csrf_token": csrf_from(client, "/auth/login")} if method == "POST" else None
        response = client.open(path, method=method, data=data)
        assert response.status_code in (302, 401) and "/auth/login" in response.headers.get("Location", "/auth/login"), \
            (endpoint, method, response.status_code)


@pytest.mark.parametrize("role", [Role.AGENT, Role.PM])
def test_every_admin_route_is_403_for_non_admins(app, client, auth, role):
    auth.login(make_user(role))
    token = csrf_from(client, "/auth/tokens")
    checked = 0
    for endpoint, method, path in routes(app, {"GET", "POST"}):
        if path.startswith("/admin"):
            response = client.open(path, method=method, data={"csrf_token": token} if method == "POST" else None)
            assert response.status_code == 403, (endpoint, method, response.status_code)
            checked += 1
    assert checked >= 30


def test_every_html_page_carries_the_security_headers(app, client, auth):
    auth.login(make_user(Role.ADMIN))
    for endpoint, _, path in routes(app, {"GET"}):
        response = client.get(path)
        if response.mimetype != "text/html":
            continue
        headers = response.headers
        csp = headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, endpoint
        assert headers["X-Content-Type-Options"] == "nosniff", endpoint
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", endpoint
        assert headers["X-Frame-Options"] == "DENY", endpoint


def session_cookie(client):
    return client.get_cookie("session")


def test_login_starts_a_new_session_and_logout_kills_the_old_cookie(app, client, auth):
    admin = make_user(Role.ADMIN)
    client.get("/auth/login")
    before = session_cookie(client).value
    auth.login(admin)
    cookie = session_cookie(client)
    assert cookie.value != before and cookie.http_only and cookie.same_site == "Lax"
    assert client.get("/admin/").status_code == 200
    stolen = cookie.value
    auth.logout()
    client.set_cookie("session", stolen)  # the cookie from before the logout, replayed
    assert client.get("/admin/").status_code == 302


def test_another_users_saved_view_and_api_token_cannot_be_reached(app, client, auth):
    from tests.api_support import user_with_token
    from triage.extensions import db
    from triage.models import ApiToken
    from triage.services.items import saved_views

    owner, _ = user_with_token(Role.AGENT, "owner@example.com")
    view = saved_views.save_view(owner, "Mine", {"status": "open"})
    db.session.commit()
    token_id = db.session.scalar(db.select(ApiToken.id).where(ApiToken.user_id == owner.id))
    auth.login(make_user(Role.AGENT, "other@example.com"))
    csrf = csrf_from(client, "/auth/tokens")
    assert client.get(f"/board/views/{view.id}").status_code == 404
    assert client.post(f"/board/views/{view.id}/delete", data={"csrf_token": csrf}).status_code == 404
    assert client.post(f"/auth/tokens/{token_id}/revoke", data={"csrf_token": csrf}).status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token_id).revoked_at is None
    assert saved_views.get_view(owner, view.id).name == "Mine"
