"""Guessing is slowed per client address: wrong staff API tokens and unknown status links count
against AUTH_FAILURE_RATE_LIMIT, right ones never do."""
import pytest

from triage.extensions import db
from triage.services.accounts import tokens
from triage.services.intake import Submission, submit_feedback
from triage.models import Kind


@pytest.fixture
def app(make_app):
    app = make_app(AUTH_FAILURE_RATE_LIMIT="3 per minute")
    with app.app_context():
        yield app


def get(client, path, addr, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(path, headers=headers, environ_base={"REMOTE_ADDR": addr})


def test_wrong_tokens_from_one_address_are_limited_whatever_token_is_guessed(client, agent):
    assert [get(client, "/api/v1/items", "10.0.0.1", f"guess-{n}").status_code for n in range(4)] == [401] * 3 + [429]
    assert get(client, "/api/v1/items", "10.0.0.2", "guess-x").status_code == 401  # another address
    _, value = tokens.create_token(agent, "mine")
    db.session.commit()
    assert {get(client, "/api/v1/items", "10.0.0.3", value).status_code for _ in range(6)} == {200}


def test_unknown_status_links_are_limited_per_address(client, project):
    item = submit_feedback(project, Submission(kind=Kind.BUG, title="Export crashes"))
    db.session.commit()
    assert [get(client, f"/status/guess{n}", "10.0.0.1").status_code for n in range(4)] == [404] * 3 + [429]
    assert {get(client, f"/status/{item.status_token}", "10.0.0.9").status_code for _ in range(5)} == {200}
