"""What a product manager does besides reading the insights page: lands on it after sign-in,
leaves internal notes on items and themes (never public replies), and sees in the navigation
only pages that open for them."""
import re

import pytest

from tests.board_support import stored
from tests.conftest import csrf_from
from triage.extensions import db
from triage.models import Comment, Theme, ThemeNote


@pytest.fixture
def themed_item(project):
    theme = Theme(project=project, name="Slow checkout")
    db.session.add(theme)
    db.session.flush()
    item = stored(project, "Checkout hangs", theme_id=theme.id)
    db.session.commit()
    return theme, item


def test_a_pm_lands_on_insights_after_sign_in(auth, pm):
    response = auth.login(pm)
    assert response.status_code == 302 and response.headers["Location"].endswith("/insights/")


def test_a_pm_leaves_an_internal_note_on_an_item(client, auth, pm, themed_item):
    _, item = themed_item
    auth.login(pm)
    page = client.get(f"/board/items/{item.id}").get_data(as_text=True)
    assert "Public reply" not in page  # the form offers PMs notes only
    response = client.post(f"/board/items/{item.id}/comments", data={
        "body": "Customers on the enterprise plan ask for this weekly.",
        "csrf_token": csrf_from(client, f"/board/items/{item.id}")})
    assert response.status_code == 302
    note = db.session.query(Comment).filter_by(feedback_id=item.id).one()
    assert note.public is False and note.author_id == pm.id
    assert "enterprise plan ask" in client.get(f"/board/items/{item.id}").get_data(as_text=True)


def test_a_pm_cannot_send_a_public_reply(client, auth, pm, themed_item):
    _, item = themed_item
    auth.login(pm)
    response = client.post(f"/board/items/{item.id}/comments", data={
        "body": "We shipped it!", "public": "y", "csrf_token": csrf_from(client, f"/board/items/{item.id}")})
    assert response.status_code == 422
    assert "Only agents send public replies" in response.get_data(as_text=True)
    assert db.session.query(Comment).count() == 0


def test_a_pm_leaves_an_internal_note_on_a_theme_and_an_empty_one_is_refused(client, auth, pm, themed_item):
    theme, _ = themed_item
    auth.login(pm)
    url = f"/insights/themes/{theme.id}"
    response = client.post(f"{url}/notes", data={"note-body": "Planned for Q1 <b>really</b>",
                                                 "note-csrf_token": csrf_from(client, url)})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Planned for Q1 &lt;b&gt;really&lt;/b&gt;" in page and "Pat PM" in page
    response = client.post(f"{url}/notes", data={"note-body": "   ", "note-csrf_token": csrf_from(client, url)})
    assert response.status_code == 422
    assert db.session.query(ThemeNote).count() == 1


def test_a_theme_note_needs_the_csrf_token(client, auth, pm, themed_item):
    theme, _ = themed_item
    auth.login(pm)
    response = client.post(f"/insights/themes/{theme.id}/notes", data={"note-body": "hello"})
    assert response.status_code in (400, 422)
    assert db.session.query(ThemeNote).count() == 0


@pytest.mark.parametrize("role", ["pm", "agent", "admin"])
def test_every_link_of_the_navigation_opens_for_its_role(client, auth, role, request, themed_item):
    user = request.getfixturevalue(role)
    response = auth.login(user)
    home = response.headers["Location"]
    nav = client.get(home).get_data(as_text=True).split("</nav>")[0]
    links = set(re.findall(r'<a class="nav-link[^"]*" href="([^"]+)"', nav))
    assert "/insights/" in links and ("/admin/" in links) == (role == "admin")
    assert ("/board/review" in links) == (role != "pm") and "/board/duplicates" in links
    for link in links:
        assert client.get(link).status_code == 200, link
