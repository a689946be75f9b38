"""The insights page for product managers: daily counts kept by the worker, themes ranked by
impact with the formula and links to the board, weights per project, follows, roles,
neutralised CSV exports and the CSV import."""
import csv
import html as htmllib
import io
import re
from datetime import timedelta

from sqlalchemy import delete, func, select, update

from tests.board_support import stored
from tests.conftest import csrf_from
from triage import worker
from triage.extensions import db
from triage.models import (AggregateMark, Channel, DailyCount, Feedback, ImpactWeights, RankingSnapshot, Survey, SurveyKind, SurveyResponse, Theme,
                           ThemeFollower, utcnow)
from triage.services import accounts
from triage.services.insights import page, spikes
from triage.services.insights.figures import SpikeRule


def theme(project, name):
    found = Theme(project=project, name=name)
    db.session.add(found)
    db.session.flush()
    return found


def latest_noon():
    now = utcnow()
    noon = now.replace(hour=12, minute=0, second=0, microsecond=0)
    return noon if noon <= now else noon - timedelta(days=1)


def seed(project):
    """Two themes: "Slow checkout" (3 items, 2 reporters, P1) and "Dark mode" (1 item, votes)."""
    slow, dark = theme(project, "Slow checkout"), theme(project, "Dark mode")
    now = latest_noon()  # an hour or two before it is still the same UTC day, whenever the test runs
    stored(project, "Checkout hangs", theme_id=slow.id, priority="P1", category="bug", submitter_email="a@x.io",
           created_at=now - timedelta(hours=1))
    stored(project, "Paying takes ages", theme_id=slow.id, priority="P1", category="bug", submitter_email="a@x.io",
           created_at=now - timedelta(hours=2))
    stored(project, "Cart spins forever", theme_id=slow.id, priority="P2", category="bug",
           context={"user": {"id": "u9", "tier": "Enterprise"}, "user_verified": True},
           created_at=now - timedelta(days=2))
    stored(project, "Please add dark mode", theme_id=dark.id, priority="P5", category="feature", vote_count=4,
           created_at=now - timedelta(days=3))
    stored(project, "=cmd|' /C calc'!A0", priority="P3", category="bug", created_at=now - timedelta(days=1))
    db.session.commit()
    return slow, dark


def test_the_aggregate_pass_counts_changed_days_and_is_idempotent(app, project):
    slow, _ = seed(project)
    assert worker.aggregate_pass() == 4  # four days hold items
    total = db.session.scalar(select(func.sum(DailyCount.count)))
    assert total == 5
    assert worker.aggregate_pass() <= 4 and db.session.scalar(select(func.sum(DailyCount.count))) == 5
    row = db.session.scalars(select(DailyCount).where(DailyCount.theme_id == slow.id, DailyCount.priority == "P1")).one()
    assert (row.count, row.reporters, row.tiers) == (2, 1, {})
    tiered = db.session.scalars(select(DailyCount).where(DailyCount.theme_id == slow.id,
                                                         DailyCount.priority == "P2")).one()
    assert tiered.tiers == {"enterprise": 1}
    # a change to an item rebuilds its day only
    item = db.session.scalar(select(Feedback).where(Feedback.title == "Please add dark mode"))
    item.vote_count = 10
    db.session.commit()
    assert worker.aggregate_pass(utcnow() + timedelta(minutes=10)) >= 1
    assert db.session.scalar(select(func.sum(DailyCount.votes))) == 10


def test_the_aggregate_command_backfills_with_a_progress_bar(app, project, runner):
    seed(project)
    result = runner.invoke(args=["triage", "aggregate", "--project", "demo"])
    assert result.exit_code == 0 and "Rebuilt the counts of 4 days" in result.output
    assert db.session.scalar(select(func.sum(DailyCount.count))) == 5
    assert db.session.get(AggregateMark, "daily_counts") is None  # one project: the others are not done
    db.session.execute(update(Feedback).values(updated_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    result = runner.invoke(args=["triage", "aggregate"])
    assert result.exit_code == 0 and db.session.get(AggregateMark, "daily_counts") is not None
    assert worker.aggregate_pass() == 0  # the backfill moved the watermark: nothing changed since


def test_the_reporters_survey_scores_are_counted(app, project):
    seed(project)
    survey = Survey(project=project, kind=SurveyKind.NPS, question="Recommend us?")
    db.session.add(survey)
    db.session.add(SurveyResponse(survey=survey, score=3, respondent="a@x.io"))
    db.session.add(SurveyResponse(survey=survey, score=10, respondent="u9"))
    db.session.commit()
    worker.aggregate_pass()
    assert db.session.scalar(select(func.sum(DailyCount.detractors))) == 1
    assert db.session.scalar(select(func.sum(DailyCount.promoters))) == 1


def page_of(client, path="/insights/"):
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_a_pm_sees_themes_ranked_by_impact_with_the_formula_and_board_links(client, auth, pm, project):
    slow, dark = seed(project)
    worker.aggregate_pass()
    auth.login(pm)
    html = page_of(client, f"/insights/?project={project.id}&days=7")
    assert "Impact = reach × severity × trend" in html
    assert html.index("Slow checkout") < html.index("Dark mode")
    # Slow checkout: reach = 2 reporters (one enterprise at weight 1 by default), severity (5+5+4)/3
    assert "2 × 4.67 × 2" in html
    links = set(htmllib.unescape(h) for h in re.findall(r'href="(/board/[^"]+)"', html))
    assert f"/board/?project={project.id}&theme={slow.id}&status=any" in links
    assert f"/board/?project={project.id}&theme={slow.id}&status=any&category=bug" in links
    assert f"/board/?project={project.id}&theme={dark.id}&status=any&priority=P5" in links
    assert "<polyline" in html and f"/insights/themes/{slow.id}" in html
    board = client.get(f"/board/?project={project.id}&theme={slow.id}&status=any").get_data(as_text=True)
    assert "Checkout hangs" in board and "Please add dark mode" not in board


def test_the_page_reads_the_rankings_the_worker_stored_and_ranks_live_without_them(client, auth, pm, project):
    slow, dark = seed(project)
    worker.aggregate_pass()
    today = utcnow().date()
    stored_rows = db.session.scalars(select(RankingSnapshot).where(RankingSnapshot.day == today)).all()
    assert sorted(s.days for s in stored_rows) == sorted(page.PERIODS)
    week = next(s for s in stored_rows if s.days == 7)
    live = page.ranked_records(project.id, 7, today, page.TOP, page.weights_of(project.id))[0]
    assert [{k: v for k, v in r.items() if k != "quote"} for r in week.rows] == live
    assert week.rows[0]["quote"][1] == "Cart spins forever"  # the theme's latest item, read by the pass
    db.session.execute(delete(DailyCount))  # the page must not need the counts to rank
    db.session.commit()
    page.CACHE.clear()
    auth.login(pm)
    html = page_of(client, f"/insights/?project={project.id}&days=7")
    assert html.index("Slow checkout") < html.index("Dark mode") and "2 × 4.67 × 2" in html
    assert "Cart spins forever" in html
    db.session.execute(delete(RankingSnapshot))  # without a stored ranking: summed from the counts
    db.session.commit()
    page.CACHE.clear()
    assert "Slow checkout" not in page_of(client, f"/insights/?project={project.id}&days=7")
    worker.aggregate_pass(utcnow() + timedelta(minutes=1))  # the next pass stores them again
    assert db.session.scalar(select(func.count()).select_from(RankingSnapshot)) == len(page.PERIODS)


def test_weights_change_the_ranking_and_bad_weights_are_a_form_error(client, auth, pm, project):
    seed(project)
    worker.aggregate_pass()
    auth.login(pm)
    token = csrf_from(client, f"/insights/?project={project.id}")
    bad = client.post(f"/insights/projects/{project.id}/weights",
                      data={"csrf_token": token, "vote_weight": "1", "tiers": "enterprise", "severity": ""})
    assert bad.status_code == 422 and "is not name=weight" in bad.get_data(as_text=True)
    good = client.post(f"/insights/projects/{project.id}/weights",
                       data={"csrf_token": token, "vote_weight": "10", "tiers": "enterprise=3", "severity": "P5=5"})
    assert good.status_code == 302
    weights = db.session.get(ImpactWeights, project.id)
    assert (weights.vote_weight, weights.tier_weights, weights.severity_weights) == (10, {"enterprise": 3}, {"P5": 5})
    assert page.stale_snapshots(utcnow().date()) == set()  # ranked again on save: no view sums the counts
    html = page_of(client, f"/insights/?project={project.id}&days=7")
    assert html.index("Dark mode") < html.index("Slow checkout")  # 40 votes x 10 now outweigh
    assert "enterprise × 3" in html


def test_agents_read_but_cannot_change_weights_or_follow(client, auth, agent, project):
    slow, _ = seed(project)
    worker.aggregate_pass()
    auth.login(agent)
    html = page_of(client, f"/insights/?project={project.id}")
    assert "Slow checkout" in html and "Save weights" not in html and "Follow" not in html
    token = csrf_from(client, "/board/")
    assert client.post(f"/insights/themes/{slow.id}/follow", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/insights/projects/{project.id}/weights", data={"csrf_token": token}).status_code == 403


def test_signed_out_visitors_are_sent_to_login(client, project):
    assert client.get("/insights/").status_code == 302
    assert client.get("/insights/export/items.csv").status_code == 302


def test_a_pm_follows_and_unfollows_a_theme(client, auth, pm, project):
    slow, _ = seed(project)
    worker.aggregate_pass()
    auth.login(pm)
    token = csrf_from(client, f"/insights/?project={project.id}")
    assert client.post(f"/insights/themes/{slow.id}/follow", data={"csrf_token": token}).status_code == 302
    assert client.post(f"/insights/themes/{slow.id}/follow", data={"csrf_token": token}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ThemeFollower)) == 1
    assert "Unfollow" in page_of(client, f"/insights/?project={project.id}")
    client.post(f"/insights/themes/{slow.id}/unfollow", data={"csrf_token": token})
    assert db.session.scalar(select(func.count()).select_from(ThemeFollower)) == 0
    assert client.post(f"/insights/themes/{slow.id}/follow", data={}).status_code == 400  # no CSRF token
    assert client.post("/insights/themes/999999/follow", data={"csrf_token": token}).status_code == 404


def rows_of(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))


def test_items_export_applies_the_board_filters_and_neutralises_formulas(client, auth, pm, project):
    slow, _ = seed(project)
    auth.login(pm)
    everything = rows_of(client.get(f"/insights/export/items.csv?project={project.id}&status=any"))
    assert len(everything) == 5
    formula = next(r for r in everything if "calc" in r["title"])
    assert formula["title"].startswith("'=")
    themed = rows_of(client.get(f"/insights/export/items.csv?project={project.id}&theme={slow.id}&priority=P1"))
    assert sorted(r["title"] for r in themed) == ["Checkout hangs", "Paying takes ages"]
    assert themed[0]["theme"] == "Slow checkout"


def test_themes_export_carries_the_figures(client, auth, pm, project):
    seed(project)
    theme(project, "@SUM(A1)")
    db.session.commit()
    stored(project, "x", theme_id=db.session.scalar(select(Theme.id).where(Theme.name == "@SUM(A1)")))
    db.session.commit()
    worker.aggregate_pass()
    auth.login(pm)
    rows = rows_of(client.get(f"/insights/export/themes.csv?project={project.id}&days=7"))
    assert rows[0]["theme"] == "Slow checkout" and rows[0]["items"] == "3" and rows[0]["reach"] == "2.0"
    assert "'@SUM(A1)" in [r["theme"] for r in rows]


def test_a_theme_page_says_why_it_ranks_and_shows_its_trend_with_csv(client, auth, pm, agent, project):
    slow, dark = seed(project)
    worker.aggregate_pass()
    auth.login(pm)
    html = page_of(client, f"/insights/themes/{slow.id}")
    assert "#1 of" in html and "impact <strong>" in html and "2 × 4.67" not in html  # the page's own wording
    assert "reach 2 × severity 4.67 × trend 2 (3 items from 2 reporters, 0 votes" in " ".join(html.split())
    assert f"/insights/themes/{slow.id}/trend.svg" in html
    svg = client.get(f"/insights/themes/{slow.id}/trend.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert "Items per day in this theme by priority" in svg.get_data(as_text=True)
    days = rows_of(client.get(f"/insights/themes/{slow.id}/trend.csv"))
    assert len(days) == 90 and sum(int(d.get("P1") or 0) for d in days) == 2
    assert sum(int(d.get("P2") or 0) for d in days) == 1 and "P5" not in days[0]  # the other theme's item
    items = htmllib.unescape(re.search(r'href="([^"]+)">This theme\'s items as CSV', html).group(1))
    assert sorted(r["title"] for r in rows_of(client.get(items))) == ["Cart spins forever", "Checkout hangs",
                                                                        "Paying takes ages"]
    auth.login(agent)  # agents read the theme pages too
    assert client.get(f"/insights/themes/{dark.id}/trend.svg").status_code == 200
    assert client.get("/insights/themes/999999/trend.csv").status_code == 404


def test_a_theme_outside_the_ranking_says_so(client, auth, pm, project):
    quiet = theme(project, "Nothing lately")
    db.session.commit()
    worker.aggregate_pass()
    auth.login(pm)
    assert "Not among" in page_of(client, f"/insights/themes/{quiet.id}")


def test_pms_read_survey_results_but_cannot_change_surveys(client, auth, pm, project):
    survey = Survey(project=project, kind=SurveyKind.NPS, question="Recommend us?")
    db.session.add(survey)
    db.session.add(SurveyResponse(survey=survey, score=9, respondent="a@x.io"))
    db.session.commit()
    auth.login(pm)
    assert "Recommend us?" in page_of(client, "/insights/surveys")
    assert "100.0" in page_of(client, f"/insights/surveys/{survey.id}")
    assert client.get(f"/insights/surveys/{survey.id}/scores.csv").status_code == 200
    assert client.get(f"/admin/surveys/{survey.id}").status_code == 403
    assert client.get("/insights/surveys/99999").status_code == 404


def write_csv(tmp_path, text):
    path = tmp_path / "old.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_stores_rows_through_intake_and_reports_bad_rows_by_line(app, project, runner, tmp_path):
    path = write_csv(tmp_path, "Summary,Description,Created,Reporter\n"
                               "Checkout crashes,It fails,2026-01-05 10:00,a@x.io\n"
                               ",no title here,2026-01-06,\n"
                               '"Multi-line","first\nsecond",2026-01-07,\n'
                               "Bad date,x,not a date,\n"
                               "Bad email,x,2026-01-08,not-an-email\n"
                               "Fine again,y,,\n")
    args = ["triage", "import", path, "--project", "demo",
            "--map", "title=Summary,body=Description,created_at=Created,email=Reporter"]
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "line 3:" in result.output and "line 6:" in result.output and "line 7:" in result.output
    assert "line 4" not in result.output and "Imported 3 items; 3 rows with errors." in result.output
    items = db.session.scalars(select(Feedback).order_by(Feedback.id)).all()
    assert [i.title for i in items] == ["Checkout crashes", "Multi-line", "Fine again"]
    assert all(i.channel == Channel.IMPORT for i in items)
    assert items[0].created_at.isoformat().startswith("2026-01-05T10:00")
    assert items[0].category is not None  # classified on intake like any other item
    again = runner.invoke(args=args)
    assert "Imported 3 items" in again.output
    assert db.session.scalar(select(func.count(Feedback.id))) == 3  # nothing twice


def test_import_refuses_a_bad_mapping_or_an_unknown_project(app, project, runner, tmp_path):
    path = write_csv(tmp_path, "Summary\nx\n")
    assert "Bad --map entry" in runner.invoke(args=["triage", "import", path, "--project", "demo",
                                                    "--map", "colour=Summary"]).output
    assert "No project" in runner.invoke(args=["triage", "import", path, "--project", "nope"]).output
    assert "No column 'title'" in runner.invoke(args=["triage", "import", path, "--project", "demo"]).output


def test_charts_page_links_each_chart_with_its_table_and_csv(client, auth, pm, project):
    seed(project)
    support = accounts.create_team("Support")
    item = db.session.scalar(select(Feedback).where(Feedback.title == "Checkout hangs"))
    item.team, item.first_response_due = support, utcnow() - timedelta(minutes=30)
    item.first_responded_at = utcnow() - timedelta(minutes=40)
    db.session.commit()
    worker.aggregate_pass()
    auth.login(pm)
    html = page_of(client, f"/insights/charts?project={project.id}&days=7")
    for name in ("category", "priority", "surveys", "impact", "sla"):
        svg = client.get(f"/insights/charts/{name}.svg?project={project.id}&days=7")
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml", name
        assert b"<svg" in svg.data and b"<script" not in svg.data
        assert client.get(f"/insights/charts/{name}.csv?project={project.id}&days=7").mimetype == "text/csv"
        assert f"/insights/charts/{name}.svg?project={project.id}" in html
    sla = rows_of(client.get(f"/insights/charts/sla.csv?project={project.id}&days=7"))
    assert sla[0]["team"] == "Support" and sla[0]["first_response_share"] == "100.0"
    category = client.get(f"/insights/charts/category.svg?project={project.id}&days=7").get_data(as_text=True)
    assert "Items per day by category" in category and "Items" in category
    assert client.get("/insights/charts/nope.svg").status_code == 404


def seeded_history(project, slow, now, days=14):
    """A quiet fortnight (1 or 2 items a day) for the theme, then 12 items today."""
    for back in range(1, days + 1):
        for n in range(1 + back % 2):
            stored(project, f"Slow {back}-{n}", theme_id=slow.id, category="question",
                   created_at=now - timedelta(days=back))
    for n in range(12):
        stored(project, f"Slow today {n}", theme_id=slow.id, category="question", created_at=now - timedelta(minutes=n))
    db.session.commit()


def spike_notes():
    from triage.models import Notification

    return db.session.scalars(select(Notification).where(Notification.dedupe_key.like("spike:%"))
                              .order_by(Notification.id)).all()


def test_a_spike_notifies_followers_once_then_closes_and_keeps_its_cooldown(app, project, pm, agent):
    from triage.models import SpikeAlert, Webhook

    slow = theme(project, "Slow checkout")
    now = utcnow().replace(hour=12)
    seeded_history(project, slow, now)
    db.session.add(ThemeFollower(theme_id=slow.id, user_id=pm.id))
    db.session.add(Webhook(name="ops", url="http://127.0.0.1:9/hook", events=["spike"]))
    db.session.add(Webhook(name="other", url="http://127.0.0.1:9/other", events=["created"]))
    db.session.commit()
    worker.aggregate_pass()
    found = worker.spike_pass(now)
    assert (found.opened, found.notified) == (2, 3)  # theme and category; email to pm, post to ops (x2)
    alert = db.session.scalar(select(SpikeAlert).where(SpikeAlert.theme_id == slow.id))
    assert (alert.count, alert.status, alert.key) == (12, "open", f"theme:{slow.id}")
    assert alert.baseline_mean == 1.5 and alert.z >= 3
    notes = spike_notes()
    assert sorted(n.recipient for n in notes) == ["http://127.0.0.1:9/hook", "http://127.0.0.1:9/hook", "pm@example.com"]
    email = next(n for n in notes if n.recipient == "pm@example.com")
    assert "Spike in theme 'Slow checkout': 12 items today" in email.subject
    assert "/insights/" in email.payload["text"]
    assert worker.spike_pass(now).opened == 0 and len(spike_notes()) == 3  # one open alert per subject
    # the next day is quiet: the alert closes; a new burst inside the cooldown stays quiet
    assert worker.spike_pass(now + timedelta(days=1)).closed == 2
    for n in range(12):
        stored(project, f"Again {n}", theme_id=slow.id, category="question", created_at=now + timedelta(days=2))
    db.session.commit()
    worker.rebuild_aggregates()
    assert worker.spike_pass(now + timedelta(days=2)).opened == 0 and len(spike_notes()) == 3
    without_cooldown = spikes.check_project(project, now=now + timedelta(days=2), spike_rule=SpikeRule(cooldown_days=0))
    assert without_cooldown.opened == 2  # it was the cooldown that kept it quiet
    db.session.rollback()
    # after the cooldown a burst alerts again
    for n in range(12):
        stored(project, f"Later {n}", theme_id=slow.id, category="question", created_at=now + timedelta(days=9))
    db.session.commit()
    worker.rebuild_aggregates()
    assert worker.spike_pass(now + timedelta(days=9)).opened == 2


def test_open_spikes_show_on_the_insights_page(client, auth, pm, project):
    slow = theme(project, "Slow checkout")
    now = latest_noon()  # twelve items in the last minutes stay on one UTC day
    seeded_history(project, slow, now)
    worker.aggregate_pass(now)
    worker.spike_pass(now)
    auth.login(pm)
    html = page_of(client, f"/insights/?project={project.id}&days=7")
    assert 'id="spikes"' in html and "theme &#39;Slow checkout&#39;" in html and "12 items" in html


def test_a_ranking_is_reused_until_the_next_aggregate_pass(app, project):
    from triage.services.insights import page

    slow, _ = seed(project)
    worker.aggregate_pass()
    first = page.overview(project, 7)
    assert first.rows[0]["volume"] == 3
    stored(project, "Checkout hangs again", theme_id=slow.id, priority="P1")
    db.session.commit()
    assert page.overview(project, 7).rows[0]["volume"] == 3  # the counts have not moved yet
    worker.aggregate_pass()
    assert page.overview(project, 7).rows[0]["volume"] == 4


def test_an_agent_limited_to_their_teams_sees_the_ranking_with_only_their_items_quoted(client, auth, agent, project):
    from triage.models import ItemAccess, Team, TeamMember

    slow, dark = seed(project)
    team = Team(name="Payments")
    db.session.add(team)
    db.session.flush()
    db.session.add(TeamMember(team_id=team.id, user_id=agent.id))
    agent.item_access = ItemAccess.TEAMS
    db.session.execute(update(Feedback).where(Feedback.title == "Please add dark mode").values(team_id=team.id))
    db.session.commit()
    worker.aggregate_pass()
    auth.login(agent)
    html = page_of(client, f"/insights/?project={project.id}&days=7")
    assert "Slow checkout" in html and "Dark mode" in html
    assert "Please add dark mode" in html and "Cart spins forever" not in html
