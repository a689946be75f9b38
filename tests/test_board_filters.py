"""The inbox's filters, its two sort orders with keyset pagination, its rows, and a
constant number of SQL statements per page."""
from datetime import timedelta

import pytest
from sqlalchemy import event

from tests import builders
from tests.board_support import next_link, row_titles, stored
from tests.conftest import Auth, make_user
from triage.extensions import db
from triage.models import Channel, Kind, Role, Status, utcnow
from triage.services.items import inbox
from triage.services.accounts import create_project
from triage.services.items.inbox import InboxFilter


def titles(flt: InboxFilter, size: int = 50) -> list[str]:
    return [item.title for item in inbox.inbox_page(flt, None, size).items]


def test_default_order_is_priority_then_due_time_with_unprioritised_last(project):
    now = utcnow()
    stored(project, "P2 soon", priority="P2", resolution_due=now + timedelta(hours=1))
    stored(project, "nothing")
    stored(project, "P1 later", priority="P1", resolution_due=now + timedelta(hours=3))
    stored(project, "P1 no due", priority="P1")
    stored(project, "P1 past", priority="P1", resolution_due=now - timedelta(hours=1))
    db.session.commit()
    assert titles(InboxFilter()) == ["P1 past", "P1 later", "P1 no due", "P2 soon", "nothing"]


def test_newest_sort_lists_the_latest_first(project):
    now = utcnow()
    for n in range(3):
        stored(project, f"item {n}", priority="P1" if n == 0 else "P5", created_at=now - timedelta(minutes=n))
    db.session.commit()
    assert titles(InboxFilter(sort="newest")) == ["item 0", "item 1", "item 2"]


@pytest.mark.parametrize("sort", ["priority", "newest"])
def test_cursor_pages_cover_every_item_once_in_order(project, sort):
    now = utcnow()
    for n in range(23):  # ties on due time and on creation time, NULLs in both keys
        stored(project, f"item {n}", priority=[None, "P1", "P3", "P5"][n % 4],
               resolution_due=None if n % 5 == 0 else now + timedelta(hours=n % 3),
               created_at=now - timedelta(minutes=n % 4))
    db.session.commit()
    expected = titles(InboxFilter(sort=sort), 100)
    seen, cursor = [], None
    while True:
        page = inbox.inbox_page(InboxFilter(sort=sort), cursor, 4)
        seen += [item.title for item in page.items]
        if not (cursor := page.next_cursor):
            break
    assert seen == expected and len(set(seen)) == 23


def test_pages_follow_the_priority_order_through_the_client(make_app):
    app = make_app(BOARD_PAGE_SIZE=3)
    client = app.test_client()
    with app.app_context():
        project = create_project("p", "P")
        for n in range(8):
            stored(project, f"item {n}", priority=f"P{n % 3 + 1}", resolution_due=utcnow() + timedelta(minutes=n))
        db.session.commit()
        Auth(client).login(make_user(Role.AGENT))
        seen, url = [], "/board/?category="
        while url:
            html = client.get(url).get_data(as_text=True)
            seen += row_titles(html)
            url = next_link(html)
        assert seen == ["item 0", "item 3", "item 6", "item 1", "item 4", "item 7", "item 2", "item 5"]


@pytest.fixture
def varied(project):
    """Items that differ in one field each from the plain one."""
    team = builders.team_with_roles("Web")
    other = create_project("other", "Other")
    now = utcnow()
    assignee = team.members_with(builders.TeamRole.MEMBER)[0]
    stored(project, "plain", channel=Channel.FORM, kind=Kind.BUG, category="bug", priority="P3", team=team,
           assignee=assignee, resolution_due=now + timedelta(days=2))
    stored(project, "closed one", status=Status.CLOSED, resolution_due=now - timedelta(hours=1))
    stored(project, "spam", quarantined=True)
    stored(other, "elsewhere", channel=Channel.WIDGET, kind=Kind.IDEA, category="feature", priority="P1",
           body="The Safari login page hangs")
    stored(project, "due soon", status=Status.TRIAGED, resolution_due=now + timedelta(hours=3))
    stored(project, "first reply late", first_response_due=now - timedelta(minutes=5))
    stored(project, "first reply met", first_response_due=now - timedelta(minutes=5), first_responded_at=now)
    stored(project, "50% discount")
    stored(project, "500 errors")
    db.session.commit()
    return {"team": team, "assignee": assignee, "other": other}


def test_each_filter_narrows_the_inbox(varied, project):
    team, assignee, other = varied["team"], varied["assignee"], varied["other"]
    cases = {
        f"project={other.id}": {"elsewhere"},
        "status=closed": {"closed one"},
        "kind=idea": {"elsewhere"},
        "category=feature": {"elsewhere"},
        "priority=P3": {"plain"},
        f"team={team.id}": {"plain"},
        f"assignee={assignee.id}": {"plain"},
        "channel=widget": {"elsewhere"},
        "breaching=1": {"due soon", "first reply late"},
        "q=safari": {"elsewhere"},
        "q=LOGIN PAGE": {"elsewhere"},
        "q=50%": {"50% discount"},
    }
    for query, expected in cases.items():
        args = dict(part.split("=") for part in query.split("&"))
        assert set(titles(InboxFilter.from_args(args))) == expected, query


def test_open_is_the_default_status_and_quarantined_items_never_show(varied):
    everything = {"plain", "elsewhere", "due soon", "first reply late", "first reply met", "50% discount", "500 errors"}
    assert set(titles(InboxFilter.from_args({}))) == everything
    assert set(titles(InboxFilter.from_args({"status": "any"}))) == everything | {"closed one"}
    assert set(titles(InboxFilter.from_args({"unassigned": "1"}))) == everything - {"plain"}


def test_unknown_filter_values_mean_any_and_round_trip_through_args():
    assert InboxFilter.from_args({"project": "99999999999", "team": "²", "assignee": "9" * 5000}) == InboxFilter()
    flt = InboxFilter.from_args({"project": "abc", "priority": "P9", "kind": "x", "status": "bogus", "team": "7",
                                 "q": "  hello ", "sort": "random", "breaching": "1"})
    assert flt == InboxFilter(status="any", team_id=7, q="hello", breaching=True)
    assert InboxFilter.from_args(flt.to_args()) == flt
    assert InboxFilter().to_args() == {}


def test_malformed_cursor_reads_as_the_first_page(client, auth, agent, project):
    stored(project, "only one", priority="P1")
    db.session.commit()
    auth.login(agent)
    for cursor in ("garbage", "p99_-_1", "p1_notadate_3", "2026-01-01_x", "p0_-_99999999999",
                   "2026-01-01T00:00:00_99999999999", "p0_-_²"):
        for sort in ("priority", "newest"):
            response = client.get(f"/board/?cursor={cursor}&sort={sort}")
            assert response.status_code == 200 and row_titles(response.get_data(as_text=True)) == ["only one"]


def test_rows_show_priority_category_team_assignee_and_time_left(client, auth, agent, varied):
    auth.login(agent)
    html = client.get("/board/?priority=P3").get_data(as_text=True)
    assert "P3" in html and "bug" in html and "Web" in html and varied["assignee"].display_name in html
    assert "due in " in html
    html = client.get("/board/?q=first+reply+late").get_data(as_text=True)
    assert "breached 5 min ago" in html or "breached 4 min ago" in html


def fill(project, start: int, stop: int):
    """Items that each have their own team and assignee, so a lazy load per row would show."""
    for n in range(start, stop):
        team = builders.team_with_roles(f"T{n}", members=1)
        stored(project, f"item {n}", priority="P2", team=team, category="bug",
               assignee=team.members_with(builders.TeamRole.MEMBER)[0], resolution_due=utcnow() + timedelta(hours=n))
    db.session.commit()


def statements_for(client, url: str) -> int:
    counted = []

    def count(*args):
        counted.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(counted)


@pytest.mark.parametrize("url", ["/board/", "/board/?sort=newest", "/board/kanban", "/board/?q=item&unassigned="])
def test_statements_per_page_do_not_grow_with_the_items_shown(client, auth, agent, project, url):
    auth.login(agent)
    counts = []
    for start, total in ((0, 5), (5, 40)):
        fill(project, start, total)
        assert len(row_titles(client.get(url).get_data(as_text=True))) == total
        counts.append(statements_for(client, url))
    assert counts[1] <= counts[0], counts
