"""Following a theme from its own page: the same POST routes as the insights list (CSRF, PMs
only), back to the theme's page, which shows how many follow it, who, and "you follow this"."""
from __future__ import annotations

import html as htmllib

from tests.conftest import csrf_from, make_user
from tests.test_insights import page_of, seed
from triage.models import Role


def text_of(client, path):
    return " ".join(htmllib.unescape(page_of(client, path)).split())


def test_a_pm_follows_and_unfollows_from_the_theme_page(client, auth, pm, agent, project):
    slow, _ = seed(project)
    auth.login(pm)
    path = f"/insights/themes/{slow.id}"
    assert "0 followers." in text_of(client, path)
    token = csrf_from(client, path)
    response = client.post(f"{path}/follow?back=theme", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(path)
    text = text_of(client, path)
    assert "Following Slow checkout" in text
    assert f"1 follower: you follow this (its spikes reach you) — {pm.display_name}." in text
    assert "Unfollow" in text
    other = make_user(Role.PM, name="Other PM")
    auth.login(other)
    text = text_of(client, path)
    assert f"1 follower — {pm.display_name}." in text and "you follow this" not in text
    response = client.post(f"{path}/follow?back=theme", data={"csrf_token": csrf_from(client, path)})
    assert "2 followers: you follow this" in text_of(client, path)
    response = client.post(f"{path}/unfollow?back=theme", data={"csrf_token": csrf_from(client, path)})
    assert response.headers["Location"].endswith(path) and "1 follower —" in text_of(client, path)
    assert client.post(f"{path}/follow?back=theme", data={}).status_code == 400  # no CSRF token
    # anything but back=theme goes to the insights list, never to an address from the request
    response = client.post(f"{path}/follow?back=https://evil.example", data={"csrf_token": csrf_from(client, path)})
    assert "evil" not in response.headers["Location"] and "/insights/" in response.headers["Location"]
    auth.login(agent)  # agents see who follows, without the button
    text = text_of(client, path)
    assert "2 followers" in text and "Follow</button>" not in page_of(client, path)
    assert client.post(f"{path}/follow?back=theme", data={"csrf_token": csrf_from(client, path)}).status_code == 403
