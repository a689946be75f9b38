"""Personal API tokens: made and revoked by their owner, shown once, stored hashed."""
import re

import pytest

from tests.api_support import bearer
from tests.conftest import csrf_from
from triage.extensions import db
from triage.models import ApiToken, hash_api_token
from triage.services import DomainError, NotFound
from triage.services.accounts import tokens


def create_through_page(client, name="nightly export"):
    return client.post("/auth/tokens", data={"name": name, "csrf_token": csrf_from(client, "/auth/tokens")})


def test_token_is_shown_once_and_stored_only_as_a_hash(client, auth, agent):
    auth.login(agent)
    response = create_through_page(client)
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    value = re.search(r'id="new-token">([^<]+)<', response.get_data(as_text=True)).group(1)
    stored = db.session.query(ApiToken).one()
    assert stored.token_hash == hash_api_token(value) and value not in stored.token_hash
    assert value.startswith(stored.prefix) and stored.user_id == agent.id
    later = client.get("/auth/tokens").get_data(as_text=True)
    assert value not in later and stored.prefix in later and "nightly export" in later


def test_new_token_opens_the_api_until_it_is_revoked(client, auth, pm):
    auth.login(pm)
    value = re.search(r'id="new-token">([^<]+)<', create_through_page(client).get_data(as_text=True)).group(1)
    assert client.get("/api/v1/items", headers=bearer(value)).status_code == 200
    token = db.session.query(ApiToken).one()
    assert token.last_used_at is not None
    response = client.post(f"/auth/tokens/{token.id}/revoke", data={"csrf_token": csrf_from(client, "/auth/tokens")})
    assert response.status_code == 302
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    assert client.get("/api/v1/items", headers=bearer(value)).status_code == 401
    assert "revoked" in client.get("/auth/tokens").get_data(as_text=True)


def test_token_page_needs_a_name_and_a_csrf_token(client, auth, agent):
    auth.login(agent)
    assert create_through_page(client, name="").status_code == 422
    assert client.post("/auth/tokens", data={"name": "x"}).status_code == 400
    assert db.session.query(ApiToken).count() == 0


def test_nobody_revokes_someone_elses_token(client, auth, agent, admin):
    token, _ = tokens.create_token(admin, "admin's")
    db.session.commit()
    auth.login(agent)
    response = client.post(f"/auth/tokens/{token.id}/revoke", data={"csrf_token": csrf_from(client, "/auth/tokens")})
    assert response.status_code == 404
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_token_pages_need_a_signed_in_user(client):
    response = client.get("/auth/tokens")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_tokens_are_random_and_authenticate_only_while_live(app, agent):
    first, value = tokens.create_token(agent, "one")
    _, other = tokens.create_token(agent, "two")
    assert value != other and len(value) > 40
    assert tokens.authenticate(value) is first
    assert tokens.authenticate(value + "x") is None and tokens.authenticate("") is None
    agent.active = False
    assert tokens.authenticate(value) is None
    agent.active = True
    tokens.revoke_token(agent, first.id)
    assert tokens.authenticate(value) is None


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_a_token_needs_a_name_of_at_most_80_characters(app, agent, name):
    with pytest.raises(DomainError):
        tokens.create_token(agent, name)


def test_revoking_an_unknown_token_is_not_found(app, agent):
    with pytest.raises(NotFound):
        tokens.revoke_token(agent, 999)
