"""A PM's merge, move, split or delete of a theme keeps the insights figures right at once: the
verb recounts the affected themes' daily counts and stores the project's rankings again in its
own transaction, so no moved item vanishes from the page until the worker's next pass."""
from __future__ import annotations

from sqlalchemy import func, select

from tests.conftest import csrf_from
from tests.test_insights import page_of, seed
from triage import worker
from triage.extensions import db
from triage.models import DailyCount, Feedback, RankingSnapshot, Theme, utcnow
from triage.services import items
from triage.services.insights import aggregates, page, themes


def counts() -> list[tuple]:
    """Every daily-count row, comparable across rebuilds (ids left out)."""
    rows = db.session.scalars(select(DailyCount)).all()
    return sorted((r.project_id, r.day, r.theme_id or 0, r.category or "", r.priority or "", r.count, r.reporters,
                   r.votes, sorted(r.tiers.items())) for r in rows)


def volumes(project, days=7) -> dict[str, int]:
    return {r["theme"].name: r["volume"] for r in page.overview(project, days).rows}


def as_a_full_rebuild_counts(project) -> bool:
    """The counts the verb left equal those the worker's backfill rebuilds from every item."""
    left = counts()
    worker.rebuild_aggregates(project.id)
    return counts() == left


def test_merging_two_themes_shows_the_sum_under_the_survivor_at_once(client, auth, pm, project):
    slow, dark = seed(project)
    worker.aggregate_pass()
    assert volumes(project) == {"Slow checkout": 3, "Dark mode": 1}  # and this process caches the ranking
    mark = aggregates.mark_value()
    assert themes.merge(dark, slow, pm) == 1
    db.session.commit()
    assert aggregates.mark_value() == mark  # no worker pass ran
    assert volumes(project) == {"Slow checkout": 4}
    snapshot = db.session.scalar(select(RankingSnapshot).where(RankingSnapshot.days == 7,
                                                               RankingSnapshot.day == utcnow().date()))
    assert [(r["theme_id"], r["volume"], r["votes"]) for r in snapshot.rows] == [(slow.id, 4, 4)]
    auth.login(pm)
    html = page_of(client, f"/insights/?project={project.id}&days=7")
    assert "Slow checkout" in html and "Dark mode" not in html
    assert as_a_full_rebuild_counts(project)


def test_moving_and_splitting_items_moves_their_counts_at_once(app, project, pm):
    slow, dark = seed(project)
    worker.aggregate_pass()
    hangs = db.session.scalar(select(Feedback).where(Feedback.title == "Checkout hangs"))
    assert themes.move_items(slow, [hangs.id], dark, pm) == 1
    db.session.commit()
    assert volumes(project) == {"Slow checkout": 2, "Dark mode": 2}
    cart = db.session.scalar(select(Feedback).where(Feedback.title == "Cart spins forever"))
    spinners = themes.split(slow, [cart.id], "Spinners", pm)
    db.session.commit()
    assert volumes(project) == {"Slow checkout": 1, "Dark mode": 2, "Spinners": 1}
    assert items.set_theme(cart, "", pm)  # the item page's Set theme, to none
    db.session.commit()
    assert volumes(project) == {"Slow checkout": 1, "Dark mode": 2}
    assert page.overview(project, 7).unthemed == 2 and spinners.id
    assert as_a_full_rebuild_counts(project)


def test_deleting_a_theme_counts_its_items_as_unthemed_at_once(client, auth, pm, project):
    slow, dark = seed(project)
    worker.aggregate_pass()
    before = page.overview(project, 7)
    assert before.unthemed == 1
    auth.login(pm)
    slow_id, path = slow.id, f"/insights/themes/{slow.id}"
    token = csrf_from(client, path)
    refused = client.post(f"{path}/delete", data={"csrf_token": token})  # the box not ticked
    assert refused.status_code == 422 and "Tick the box" in refused.get_data(as_text=True)
    response = client.post(f"{path}/delete", data={"csrf_token": token, "delete-confirm": "y"})
    assert response.status_code == 302 and "/insights/themes" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Theme, slow_id) is None
    after = page.overview(project, 7)
    assert after.unthemed == 4 and after.total == before.total == 5
    assert volumes(project) == {"Dark mode": 1}
    assert db.session.scalar(select(func.count()).select_from(Feedback).where(Feedback.theme_id.is_(None))) == 4
    assert as_a_full_rebuild_counts(project)


def test_before_the_first_pass_an_edit_writes_no_counts(app, project, pm):
    slow, dark = seed(project)
    themes.merge(dark, slow, pm)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(DailyCount)) == 0
