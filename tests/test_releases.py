"""Release health: versions on every item, each release's figures against the previous one,
the go/no-go gate (pure functions on hand-built rows), its pages, API, CLI and watchers."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from tests.widget_support import ORIGIN, app, assert_error, project, send  # noqa: F401
from triage.extensions import db
from triage.models import Feedback, RuleKind, SurveyKind, SurveyResponse, Verdict
from triage.services import DomainError
from triage.services.intake import surveys
from triage.services.releases import figures, gate, versions
from triage.services.releases.figures import AnswerRow, ItemRow, ReleaseRow

T0 = datetime(2026, 10, 1, tzinfo=timezone.utc)


# -- versions ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, normal", [
    ("4.2", "4.2.0"), ("4.2.0", "4.2.0"), ("v4.2", "4.2.0"), ("4", "4.0.0"), (" 4.2.1 ", "4.2.1"),
    ("4.2.0-RC.1", "4.2.0-rc.1"), ("4.2.0-beta-2", "4.2.0-beta.2"), ("4.2.0+build.7", "4.2.0"),
    ("4.2.0rc1", "4.2.0-rc1"), ("4.2.0-rc.01", "4.2.0-rc.1"),
])
def test_versions_normalise_to_one_spelling(text, normal):
    assert versions.normalise(text) == normal


@pytest.mark.parametrize("garbage", ["", "latest", "4.2.0.1", "4..2", "1.2.3 beta", "<script>", "4.2-", 42, None,
                                     "1" * 101])
def test_garbage_is_no_version(garbage):
    with pytest.raises(versions.InvalidVersion):
        versions.parse(garbage)


def test_versions_sort_semantically_by_tuple_and_by_key():
    texts = ["4.10.0", "4.2.0", "4.2.0-rc.1", "4.2.0-beta.2", "4.2.0-beta.11", "4.2.0-alpha", "4.9.1",
             "10.0.0", "4.2.1", "4.2.0-rc.1.hotfix", "4.2.0-beta"]
    expected = ["4.2.0-alpha", "4.2.0-beta", "4.2.0-beta.2", "4.2.0-beta.11", "4.2.0-rc.1",
                "4.2.0-rc.1.hotfix", "4.2.0", "4.2.1", "4.9.1", "4.10.0", "10.0.0"]
    assert versions.ordered(texts) == expected
    assert sorted(texts, key=versions.sort_key) == expected
    assert all(c.isdigit() or c.islower() for c in versions.sort_key("4.2.0-rc.1"))
    assert versions.ordered(["4.2", "4.2.0", "v4.2.0"]) == ["4.2.0"]


# -- intake carries the version ------------------------------------------------------------

def test_the_widget_and_api_store_the_normalised_version(client, project):
    response = send(client, project, context={"app_version": "v4.2"})
    assert response.status_code == 201
    item = db.session.get(Feedback, response.json["id"])
    assert (item.app_version, item.version_key) == ("4.2.0", versions.sort_key("4.2.0"))
    assert item.context["app_version"] == "v4.2"  # as sent, for the record


def test_the_api_refuses_a_garbage_version_with_a_field_error(client, project):
    error = assert_error(send(client, project, context={"app_version": "latest and greatest"}), 422, "invalid")
    assert "context.app_version" in error["fields"]
    assert db.session.query(Feedback).count() == 0


def test_the_hosted_form_takes_an_optional_version_and_explains_a_bad_one(client, project):
    from tests.conftest import csrf_from

    data = {"kind": "bug", "title": "Crash on save", "csrf_token": csrf_from(client, "/p/shop")}
    bad = client.post("/p/shop", data={**data, "app_version": "yesterday's"})
    assert bad.status_code == 422 and "is not an app version" in bad.get_data(as_text=True)
    assert client.post("/p/shop", data={**data, "app_version": "5.1"}).status_code == 303
    assert client.post("/p/shop", data={**data, "title": "No version"}).status_code == 303
    assert sorted(str(i.app_version) for i in db.session.query(Feedback)) == ["5.1.0", "None"]


def test_survey_answers_carry_the_version_to_the_answer_and_its_comment(client, project):
    survey = surveys.create_survey(project, SurveyKind.NPS, "")
    db.session.commit()
    response = client.post(f"/api/v1/surveys/{survey.token}/responses", headers={"Origin": ORIGIN},
                           json={"visitor": "visitor-0001", "score": 3, "comment": "Slower", "app_version": "2.0"})
    assert response.status_code == 201
    answer = db.session.get(SurveyResponse, response.json["id"])
    assert answer.app_version == "2.0.0" and answer.feedback.app_version == "2.0.0"
    bad = client.post(f"/api/v1/surveys/{survey.token}/responses", headers={"Origin": ORIGIN},
                      json={"visitor": "visitor-0002", "score": 3, "app_version": "two"})
    assert "app_version" in assert_error(bad, 422)["fields"]
    with pytest.raises(DomainError):
        surveys.record_response(survey, 5, "", app_version="not a version")


# -- figures and the gate, on hand-built rows ----------------------------------------------

def bugs(version: str, count: int, start: datetime, priority: str = "P3", span_days: float = 10,
         first_id: int = 1, **fields) -> list[ItemRow]:
    """`count` bug reports on `version` spread evenly over `span_days` from `start`."""
    step = timedelta(days=span_days) / max(count, 1)
    return [ItemRow(id=first_id + n, version=version, created_at=start + step * n, priority=priority,
                    is_bug=True, **fields) for n in range(count)]


def two_releases(sessions: bool = True) -> list[ReleaseRow]:
    daily = {(T0 + timedelta(days=d)).date(): 1000 for d in range(40)}
    later = {(T0 + timedelta(days=20 + d)).date(): 1000 for d in range(20)}
    return [ReleaseRow("1.0.0", T0, daily if sessions else {}),
            ReleaseRow("1.1.0", T0 + timedelta(days=20), later if sessions else {})]


NOW = T0 + timedelta(days=30)  # 1.1.0 is ten days old: both compared over their first ten days


def test_a_release_whose_bug_rate_doubles_fails_with_its_evidence():
    items = bugs("1.0.0", 30, T0) + bugs("1.1.0", 60, T0 + timedelta(days=20), first_id=100)
    fig = figures.compute("1.1.0", two_releases(), items, [], {}, NOW)
    assert (fig.previous, fig.unit, fig.window_days) == ("1.0.0", "1,000 sessions", 10)
    assert (fig.current.bug_total, fig.before.bug_total) == (60, 30)
    result = gate.evaluate([gate.Rule(RuleKind.BUG_RATE, 20, 10)], fig)
    check = result.checks[0]
    assert result.verdict == check.verdict == Verdict.FAIL
    assert check.value == 100.0 and check.threshold == 20
    assert "6.00 bug reports per 1,000 sessions on 1.1.0 (60)" in check.text and "3.00 on 1.0.0 (30)" in check.text
    assert check.links[0]["filter"] == {"version": "1.1.0", "status": "any", "category": "bug"}


def test_the_previous_version_counts_only_its_own_first_window():
    # 1.0.0 had 30 reports in its first ten days and 300 more later: only the first 30 count.
    items = bugs("1.0.0", 30, T0) + bugs("1.0.0", 300, T0 + timedelta(days=10), first_id=1000) + \
        bugs("1.1.0", 33, T0 + timedelta(days=20), first_id=100)
    fig = figures.compute("1.1.0", two_releases(), items, [], {}, NOW)
    assert fig.before.bug_total == 30
    assert gate.evaluate([gate.Rule(RuleKind.BUG_RATE, 20, 10)], fig).verdict == Verdict.PASS


def test_without_adoption_rates_are_per_day_since_release():
    items = bugs("1.0.0", 20, T0) + bugs("1.1.0", 60, T0 + timedelta(days=20), first_id=100)
    fig = figures.compute("1.1.0", two_releases(sessions=False), items, [], {}, NOW)
    assert fig.unit == "day" and fig.current.bug_rate == 6.0 and fig.before.bug_rate == 2.0
    assert gate.evaluate([gate.Rule(RuleKind.BUG_RATE, 20, 10)], fig).verdict == Verdict.FAIL


def test_too_few_reports_warn_not_enough_data_yet():
    items = bugs("1.0.0", 2, T0) + bugs("1.1.0", 5, T0 + timedelta(days=20), first_id=100)
    fig = figures.compute("1.1.0", two_releases(), items, [], {}, NOW)
    check = gate.evaluate([gate.Rule(RuleKind.BUG_RATE, 20, 10)], fig).checks[0]
    assert check.verdict == Verdict.WARN and check.text.startswith("not enough data yet")


def test_a_rise_that_may_be_noise_warns_instead_of_failing():
    items = bugs("1.0.0", 10, T0) + bugs("1.1.0", 14, T0 + timedelta(days=20), first_id=100)
    fig = figures.compute("1.1.0", two_releases(), items, [], {}, NOW)
    check = gate.evaluate([gate.Rule(RuleKind.BUG_RATE, 20, 10)], fig).checks[0]
    assert check.verdict == Verdict.WARN and "not yet significant" in check.text


def test_the_first_release_cannot_be_compared_and_warns():
    fig = figures.compute("1.0.0", two_releases(), bugs("1.0.0", 50, T0), [], {}, NOW)
    assert fig.previous is None
    result = gate.evaluate(gate.DEFAULT_RULES, fig)
    assert result.verdict == Verdict.WARN
    assert [c.verdict for c in result.checks] == [Verdict.PASS, Verdict.PASS, Verdict.WARN, Verdict.WARN,
                                                  Verdict.PASS]


def test_open_p1_and_p2_counts_against_their_limits():
    items = bugs("1.1.0", 1, T0 + timedelta(days=20), priority="P1") + \
        bugs("1.1.0", 4, T0 + timedelta(days=21), priority="P2", first_id=10) + \
        bugs("1.1.0", 3, T0 + timedelta(days=21), priority="P2", first_id=20, is_open=False)
    fig = figures.compute("1.1.0", two_releases(), items, [], {}, NOW)
    assert (fig.open_p1, fig.open_p2) == (1, 4)
    result = gate.evaluate([gate.Rule(RuleKind.NO_OPEN_P1), gate.Rule(RuleKind.MAX_OPEN_P2, 3)], fig)
    assert [(c.verdict, c.value) for c in result.checks] == [(Verdict.FAIL, 1), (Verdict.FAIL, 4)]
    result = gate.evaluate([gate.Rule(RuleKind.MAX_OPEN_P2, 4)], fig)
    assert result.verdict == Verdict.PASS


def test_nps_down_beyond_the_limit_fails_only_with_enough_answers():
    def answers(version, promoters, detractors, passives=0):
        return [AnswerRow(version, "nps", s) for s in [10] * promoters + [3] * detractors + [8] * passives]

    rows = answers("1.0.0", 20, 5, 5) + answers("1.1.0", 12, 12, 6)  # NPS 50 -> 0
    fig = figures.compute("1.1.0", two_releases(), [], rows, {}, NOW)
    assert (fig.before.nps, fig.current.nps, fig.current.nps_answers) == (50.0, 0.0, 30)
    check = gate.evaluate([gate.Rule(RuleKind.NPS_DROP, 5, 30)], fig).checks[0]
    assert check.verdict == Verdict.FAIL and check.value == 50.0
    assert gate.evaluate([gate.Rule(RuleKind.NPS_DROP, 5, 31)], fig).verdict == Verdict.WARN
    assert gate.evaluate([gate.Rule(RuleKind.NPS_DROP, 60, 30)], fig).verdict == Verdict.PASS


def test_a_theme_that_appears_with_the_release_is_new_and_fails_past_its_limit():
    old = bugs("1.0.0", 2, T0, theme_id=1)
    new = bugs("1.1.0", 6, T0 + timedelta(days=20), first_id=100, theme_id=2) + \
        bugs("1.1.0", 8, T0 + timedelta(days=20), first_id=200, theme_id=1)
    later = bugs("1.2.0", 2, T0 + timedelta(days=25), first_id=300, theme_id=2)
    fig = figures.compute("1.1.0", two_releases(), old + new + later, [], {1: "Login", 2: "Crash on start"}, NOW)
    assert [(t.name, t.count, t.share) for t in fig.new_themes] == [("Crash on start", 6, 0.75)]
    assert [(t.name, t.count, t.previous) for t in fig.rising_themes] == [("Login", 8, 2)]
    check = gate.evaluate([gate.Rule(RuleKind.NEW_THEME, 5)], fig).checks[0]
    assert check.verdict == Verdict.FAIL and "'Crash on start' (6 reports, 75%" in check.text
    assert check.links[0]["filter"]["theme"] == "2"
    assert gate.evaluate([gate.Rule(RuleKind.NEW_THEME, 7)], fig).verdict == Verdict.PASS


def test_the_gate_json_has_exactly_the_documented_keys():
    items = bugs("1.0.0", 30, T0) + bugs("1.1.0", 60, T0 + timedelta(days=20), first_id=100)
    result = gate.evaluate(gate.DEFAULT_RULES, figures.compute("1.1.0", two_releases(), items, [], {}, NOW))
    body = gate.result_json(result, lambda f: "/board/?" + "&".join(f"{k}={v}" for k, v in f.items()))
    assert set(body) == {"verdict", "checks"} and body["verdict"] == "fail"
    for check in body["checks"]:
        assert set(check) == {"rule", "verdict", "value", "threshold", "evidence"}
        assert check["evidence"]["text"]
        assert all(link["url"].startswith("/board/?version=") for link in check["evidence"]["links"])
    assert body["checks"][0]["evidence"]["links"][0]["url"] == "/board/?version=1.1.0&status=open&priority=P1"


def test_rate_ratio_interval_covers_the_ratio():
    stats = gate.rate_ratio(60, 10, 30, 10)
    assert stats["low"] < 2.0 == stats["ratio"] < stats["high"] and stats["p_value"] < 0.05
    assert gate.rate_ratio(5, 10, 0, 10)["ratio"] == float("inf")


# -- the pages -----------------------------------------------------------------------------

def report(project, version: str, created_at: datetime, category: str = "bug", priority: str = "P3", **fields):
    """A stored report from `version` (as intake stores it: normalised, with its sort key)."""
    from triage.models import Status

    item = Feedback(project=project, title=fields.pop("title", f"Report on {version}"), category=category,
                    priority=priority, created_at=created_at, app_version=version,
                    version_key=versions.sort_key(version), status=fields.pop("status", Status.NEW), **fields)
    db.session.add(item)
    return item


def doubled(project, now: datetime):
    """1.0.0 out 20 days ago with 20 bug reports in its first ten days; 1.1.0 out 10 days ago with 40."""
    from triage.services.releases import store

    store.create_release(project, "1.0", now - timedelta(days=20))
    store.create_release(project, "1.1", now - timedelta(days=10))
    for n in range(20):
        report(project, "1.0.0", now - timedelta(days=20) + timedelta(hours=12 * n))
    for n in range(40):
        report(project, "1.1.0", now - timedelta(days=10) + timedelta(hours=6 * n))
    db.session.commit()


def test_the_release_pages_show_the_failing_release_with_evidence_and_links(client, project, agent, auth):
    from triage.models import utcnow

    doubled(project, utcnow())
    auth.login(agent)
    listing = client.get("/releases/shop").get_data(as_text=True)
    assert "1.1.0" in listing and "FAIL" in listing and "1.0.0" in listing
    assert "<title>Releases of Shop · triage</title>" in listing
    page = client.get("/releases/shop/v/1.1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Bug reports per 1,000 sessions up at most 20%" in html
    assert "(40) against" in html and "FAIL" in html
    assert f"/board/?project={project.id}&amp;version=1.1.0&amp;status=any&amp;category=bug" in html
    board = client.get(f"/board/?project={project.id}&version=1.1.0&status=any&category=bug").get_data(as_text=True)
    assert "Report on 1.1.0" in board and "Report on 1.0.0" not in board
    assert client.get("/releases/shop/v/9.9.9").status_code == 404
    assert client.get("/releases/shop/v/garbage").status_code == 422


def test_the_checklist_prints_and_exports_as_markdown_and_csv(client, project, agent, auth):
    from triage.models import utcnow

    doubled(project, utcnow())
    auth.login(agent)
    assert "go/no-go checklist" in client.get("/releases/shop/v/1.1.0/checklist").get_data(as_text=True)
    md = client.get("/releases/shop/v/1.1.0/checklist.md")
    assert md.mimetype == "text/markdown" and md.get_data(as_text=True).startswith("# Shop 1.1.0: FAIL")
    assert "| FAIL | Bug reports per 1,000 sessions up at most 20% |" in md.get_data(as_text=True)
    rows = client.get("/releases/shop/v/1.1.0/checklist.csv").get_data(as_text=True).splitlines()
    assert rows[0] == "version,rule,verdict,value,threshold,evidence,links"
    assert any(r.startswith('1.1.0,"Bug reports per 1,000 sessions up at most 20%",fail,100.0,20,') for r in rows)
    assert client.get("/releases/shop/v/1.1.0/checklist.pdf").status_code == 404


def test_product_managers_edit_the_gate_and_agents_may_not(client, project, agent, pm, auth):
    from tests.conftest import csrf_from
    from triage.services.releases import store

    auth.login(agent)
    assert client.get("/releases/shop/gate").status_code == 403
    auth.logout()
    auth.login(pm)
    token = csrf_from(client, "/releases/shop/gate")
    form = {"csrf_token": token, "no_open_p1_on": "y", "no_open_p1_threshold": "0", "no_open_p1_min": "0"}
    for kind in ("max_open_p2", "bug_rate", "nps_drop", "new_theme"):
        form |= {f"{kind}_threshold": "1", f"{kind}_min": "0"}
    form |= {"max_open_p2_on": "y", "max_open_p2_threshold": "2"}
    assert client.post("/releases/shop/gate", data=form).status_code == 302
    assert store.rules_of(project) == [gate.Rule(RuleKind.NO_OPEN_P1, 0, 0), gate.Rule(RuleKind.MAX_OPEN_P2, 2, 0)]
    bad = client.post("/releases/shop/gate", data={**form, "max_open_p2_threshold": "-1"})
    assert bad.status_code == 422 and "A number from 0." in bad.get_data(as_text=True)
    added = client.post("/releases/shop/followers", data={"csrf_token": token, "email": "Lead@Example.com"})
    assert added.status_code == 302 and [f.email for f in store.followers(project)] == ["lead@example.com"]
    again = client.post("/releases/shop/followers", data={"csrf_token": token, "email": "lead@example.com"})
    assert again.status_code == 302 and len(store.followers(project)) == 1
    made = client.post("/releases/shop/releases", data={"csrf_token": token, "version": "v2.0",
                                                         "released_at": "2026-11-01T09:30"})
    assert made.status_code == 302 and made.headers["Location"].endswith("/releases/shop/v/2.0.0")
    assert store.release_row(project, "2.0.0").released_at == datetime(2026, 11, 1, 9, 30, tzinfo=timezone.utc)
    bad = client.post("/releases/shop/releases", data={"csrf_token": token, "version": "two"})
    assert bad.status_code == 422 and "is not an app version" in bad.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client, project):
    assert client.get("/releases/shop").status_code == 302


# -- the API and the command line ----------------------------------------------------------

def test_the_gate_endpoint_answers_the_documented_json(client, project):
    from tests.api_support import bearer, user_with_token
    from tests.test_openapi import conforms
    from triage.models import Role, utcnow

    doubled(project, utcnow())
    _, token = user_with_token(Role.AGENT)
    response = conforms(client.get("/api/v1/releases/1.1/gate?project=shop", headers=bearer(token)))
    assert response.status_code == 200 and response.json["verdict"] == "fail"
    assert set(response.json) == {"verdict", "checks"}
    rate = next(c for c in response.json["checks"] if c["evidence"]["kind"] == "bug_rate")
    assert (rate["verdict"], rate["value"], rate["threshold"]) == ("fail", 100.0, 20)
    assert rate["evidence"]["links"][0]["url"].startswith("http://localhost/board/?project=")
    assert conforms(client.get("/api/v1/releases/1.1/gate", headers=bearer(token))).json["verdict"] == "fail"
    assert conforms(client.get("/api/v1/releases/1.1/gate")).status_code == 401
    assert conforms(client.get("/api/v1/releases/nope/gate", headers=bearer(token))).status_code == 422
    assert conforms(client.get("/api/v1/releases/3.0/gate", headers=bearer(token))).status_code == 404
    assert conforms(client.get("/api/v1/releases/1.1/gate?project=x", headers=bearer(token))).status_code == 404
    listing = conforms(client.get("/api/v1/releases?project=shop", headers=bearer(token))).json["releases"]
    assert [(r["version"], r["verdict"]) for r in listing] == [("1.1.0", "fail"), ("1.0.0", "warn")]


def test_adoption_is_posted_per_day_and_makes_rates_per_thousand_sessions(client, project):
    from tests.api_support import bearer, user_with_token
    from tests.test_openapi import conforms
    from triage.models import Role, utcnow
    from triage.services.releases import store

    now = utcnow()
    doubled(project, now)
    _, token = user_with_token(Role.PM)
    days = [{"day": (now - timedelta(days=20 - d)).date().isoformat(), "sessions": 2000} for d in range(21)]
    posted = conforms(client.post("/api/v1/releases/1.0/adoption", json={"project": "shop", "days": days},
                                  headers=bearer(token)))
    assert posted.status_code == 200 and posted.json["version"] == "1.0.0" and len(posted.json["days"]) == 21
    one = conforms(client.post("/api/v1/releases/v1.1/adoption", headers=bearer(token),
                               json={"day": (now - timedelta(days=5)).date().isoformat(), "sessions": 500}))
    assert one.status_code == 200
    fig = store.Snapshot(project).figures("1.1.0")
    assert fig.unit == "1,000 sessions" and fig.current.sessions == 500
    for body in ({"sessions": -1}, {"sessions": "many"}, {"day": "yesterday", "sessions": 1}, {"days": []}):
        assert conforms(client.post("/api/v1/releases/1.1/adoption", json=body, headers=bearer(token))).status_code == 422
    assert conforms(client.post("/api/v1/releases/1.1/adoption", json={"sessions": 1})).status_code == 401
    made = conforms(client.post("/api/v1/releases", headers=bearer(token),
                                json={"version": "2.0", "released_at": "2026-11-20T10:00:00"}))
    assert made.status_code == 201 and made.json == {"version": "2.0.0", "released_at": "2026-11-20T10:00:00+00:00"}


def test_the_gate_command_exits_by_verdict(runner, project, tmp_path):
    import json

    from triage.models import utcnow

    doubled(project, utcnow())
    failing = runner.invoke(args=["triage", "gate", "1.1", "--project", "shop"])
    assert failing.exit_code == 1 and failing.output.startswith("shop 1.1.0: FAIL")
    as_json = runner.invoke(args=["triage", "gate", "1.1.0", "--project", "shop", "--json"])
    assert as_json.exit_code == 1 and json.loads(as_json.output)["verdict"] == "fail"
    assert runner.invoke(args=["triage", "gate", "1.0", "--project", "shop"]).exit_code == 3
    assert runner.invoke(args=["triage", "gate", "7.0", "--project", "shop"]).exit_code == 2
    assert runner.invoke(args=["triage", "gate", "1.0", "--project", "nope"]).exit_code == 2
    # A gate of "no open P1" alone passes 1.0.0.
    from triage.services.releases import store

    store.set_rules(project, [gate.Rule(RuleKind.NO_OPEN_P1)])
    db.session.commit()
    assert runner.invoke(args=["triage", "gate", "1.0", "--project", "shop"]).exit_code == 0
    listing = runner.invoke(args=["triage", "releases", "--project", "shop", "--json"])
    assert listing.exit_code == 0
    assert [(r["version"], r["verdict"]) for r in json.loads(listing.output)] == [("1.1.0", "pass"), ("1.0.0", "pass")]
    csv_file = tmp_path / "adoption.csv"
    csv_file.write_text("version,day,sessions\n1.1,2026-11-01,1200\n1.1.0,2026-11-02,1300\n")
    imported = runner.invoke(args=["triage", "import-adoption", str(csv_file), "--project", "shop"])
    assert imported.exit_code == 0 and "2 days" in imported.output
    csv_file.write_text("version,day,sessions\n1.1,not a day,1200\n")
    bad = runner.invoke(args=["triage", "import-adoption", str(csv_file), "--project", "shop"])
    assert bad.exit_code == 1 and "Line 2" in bad.output
    made = runner.invoke(args=["triage", "release", "3.0", "--project", "shop", "--released-at", "2026-11-20 10:00"])
    assert made.exit_code == 0 and "3.0.0 released at 2026-11-20 10:00 UTC" in made.output


# -- fix verification and verdict notifications --------------------------------------------

def test_a_fix_that_regresses_reopens_the_item_and_tells_its_owner(client, project, agent, auth):
    from tests.conftest import csrf_from
    from triage import worker
    from triage.models import Notification, Status, Theme, utcnow
    from triage.services.releases import watch

    now = utcnow()
    theme = Theme(project=project, name="Export crash")
    fixed = report(project, "1.0.0", now - timedelta(days=3), theme=theme, status=Status.RESOLVED,
                   assignee=agent, title="Export crashes")
    db.session.commit()
    auth.login(agent)
    token = csrf_from(client, "/releases/shop")
    marked = client.post("/releases/shop/fixes", data={"csrf_token": token, "item_id": fixed.id, "version": "1.1",
                                                       "threshold": "2"})
    assert marked.status_code == 302
    bad = client.post("/releases/shop/fixes", data={"csrf_token": token, "theme": "Nope", "version": "1.1",
                                                    "threshold": "1"})
    assert bad.status_code == 422 and "No theme" in bad.get_data(as_text=True)
    # Reports from an older version, or one new one under the threshold, do not reopen it.
    report(project, "1.0.5", utcnow() + timedelta(minutes=1), theme=theme)
    report(project, "1.1.0", utcnow() + timedelta(minutes=1), theme=theme)
    db.session.commit()
    worker.release_pass()
    assert db.session.get(Feedback, fixed.id).status == Status.RESOLVED
    report(project, "1.2.0", utcnow() + timedelta(minutes=2), theme=theme)
    db.session.commit()
    worker.release_pass()
    item = db.session.get(Feedback, fixed.id)
    assert item.status == Status.TRIAGED and "regression" in item.tags
    assert [e.kind for e in item.events][-2:] == ["status_changed", "regressed"]
    assert item.events[-1].data["versions"] == ["1.1.0", "1.2.0"] and item.events[-1].data["count"] == 2
    told = db.session.query(Notification).filter(Notification.dedupe_key.startswith("regressed:")).all()
    assert [(n.recipient, n.feedback_id) for n in told] == [("agent@example.com", fixed.id)]
    worker.release_pass()  # once only
    assert db.session.query(Notification).filter(Notification.dedupe_key.startswith("regressed:")).count() == 1
    assert watch.fixes(project)[0].regressed_at is not None
    assert "regressed" in client.get("/releases/shop").get_data(as_text=True)


def test_a_verdict_change_is_sent_to_followers_once(project):
    from triage import worker
    from triage.models import Notification, Release, utcnow
    from triage.services.releases import store

    now = utcnow()
    store.follow(project, email="lead@example.com")
    store.set_rules(project, [gate.Rule(RuleKind.NO_OPEN_P1)])
    store.create_release(project, "1.0", now - timedelta(days=2))
    db.session.commit()
    worker.release_pass()
    assert db.session.query(Release).one().last_verdict == "pass"
    assert db.session.query(Notification).count() == 0  # a first verdict is no change
    report(project, "1.0.0", now, priority="P1")
    db.session.commit()
    worker.release_pass()
    worker.release_pass()
    notes = db.session.query(Notification).all()
    assert [(n.recipient, n.subject) for n in notes] == [("lead@example.com", "Shop 1.0.0: PASS -> FAIL")]
    assert notes[0].payload["event"] == "release.verdict_changed"


def test_a_watched_theme_regresses_on_its_newest_report(project):
    from triage.models import Theme, utcnow
    from triage.services.releases import watch

    theme = Theme(project=project, name="Slow sync")
    db.session.add(theme)
    db.session.flush()
    fix = watch.mark_fixed(project, "2.0", theme=theme, threshold=1)
    with pytest.raises(DomainError):
        watch.mark_fixed(project, "2.0")
    newest = report(project, "2.0.1", utcnow() + timedelta(minutes=1), theme=theme)
    db.session.flush()
    assert watch.check_fixes(project) == 1
    assert fix.evidence["reports"] == [newest.id] and newest.events[-1].kind == "regressed"


# -- the demo ------------------------------------------------------------------------------

def test_the_demo_fails_its_bad_release_with_evidence_and_passes_the_good_one(make_app):
    from tests.api_support import bearer, user_with_token
    from triage.models import Role
    from triage.services.releases import store

    demo_app = make_app(create_tables=False)
    runner = demo_app.test_cli_runner()
    assert runner.invoke(args=["triage", "demo", "--no-serve", "--items", "120"]).exit_code == 0
    bad = runner.invoke(args=["triage", "gate", "2.5.0", "--project", "demo"])
    assert bad.exit_code == 1, bad.output
    assert runner.invoke(args=["triage", "gate", "2.4.0", "--project", "demo"]).exit_code == 0
    assert runner.invoke(args=["triage", "gate", "2.3.0", "--project", "demo"]).exit_code == 3
    with demo_app.app_context():
        result = store.gate_for(store.project_for("demo"), "2.5.0")
        failing = {c.rule.kind: c for c in result.checks if c.verdict == Verdict.FAIL}
        assert set(failing) == {RuleKind.NO_OPEN_P1, RuleKind.BUG_RATE, RuleKind.NPS_DROP, RuleKind.NEW_THEME}
        assert "'Crash on start after update' (12 reports, 100%" in failing[RuleKind.NEW_THEME].text
        assert "per 1,000 sessions" in failing[RuleKind.BUG_RATE].text
        _, token = user_with_token(Role.PM)
    client = demo_app.test_client()
    gate_json = client.get("/api/v1/releases/2.5.0/gate?project=demo", headers=bearer(token)).json
    assert gate_json["verdict"] == "fail"
    assert client.get("/api/v1/releases/2.4.0/gate?project=demo", headers=bearer(token)).json["verdict"] == "pass"


def test_the_staff_api_lists_the_items_of_a_version(client, project):
    from tests.api_support import bearer, user_with_token
    from tests.test_openapi import conforms
    from triage.models import Role

    report(project, "1.0.0", T0, title="old")
    report(project, "1.1.0", T0, title="new")
    db.session.commit()
    _, token = user_with_token(Role.AGENT)
    listed = conforms(client.get("/api/v1/items?version=1.1", headers=bearer(token))).json["items"]
    assert [i["title"] for i in listed] == ["new"]
    assert "version" in conforms(client.get("/api/v1/items?version=x.y", headers=bearer(token))).json["error"]["fields"]
