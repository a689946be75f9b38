"""Layout that survives real text: one compact SLA state per inbox row, a favicon, long words wrap."""
from datetime import timedelta

from tests import builders
from triage import ROOT
from triage.models import utcnow
from triage.services.accounts import create_project


def test_each_inbox_row_shows_only_its_nearest_clock(client, auth, agent):
    builders.policy("P2", first=60, resolution=24 * 60)
    item = builders.item(create_project("shop", "Shop"), utcnow() - timedelta(minutes=30), priority="P2")
    auth.login(agent)
    html = client.get("/board/").get_data(as_text=True)
    row = html[html.index(f'data-item-id="{item.id}"'):]
    row = row[:row.index("</tr>")]
    assert row.count("sla-badge") == 1 and ">due in 29 min<" in row.replace(">due in 30 min<", ">due in 29 min<")
    assert "First response due" in row  # the nearest clock; the resolution clock is due in 23 h
    assert "First:" not in row and "Resolution:" not in row


def test_every_page_has_a_favicon(client):
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/auth/login").get_data(as_text=True)
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.location.endswith("/static/favicon.svg")
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    icon.close()


def test_long_words_wrap_everywhere_and_the_inbox_columns_keep_their_width():
    css = (ROOT / "triage" / "static" / "triage.css").read_text()
    assert "body { overflow-wrap: break-word; }" in css and "table-layout: fixed" in css
    assert "overflow-wrap: anywhere" not in css  # it would split ordinary words in narrow columns (the browser test measures)
