"""The daily counts the worker rebuilds equal a plain per-item count of the same history: after
a backfill, after items move between themes or are quarantined (the incremental pass), and
with survey scores read either way (all answers at once, or per chunk of respondents)."""
from collections import Counter
from datetime import timedelta

from sqlalchemy import select, update

from tests.board_support import stored
from triage import worker
from triage.extensions import db
from triage.models import DailyCount, Feedback, Survey, SurveyKind, SurveyResponse, Theme, utcnow
from triage.services.insights import aggregates

SIGNED = {"user_verified": True}


def seeded_history(project):
    """Twelve items over four days: emails in two spellings, signed identities with a tier or a
    plan, an unsigned tier (ignored), anonymous reports, unclassified and unthemed items."""
    themes = [Theme(project=project, name=name) for name in ("Checkout", "Search", "Login")]
    db.session.add_all(themes)
    db.session.flush()
    now = utcnow().replace(hour=12)
    checkout, search, login = (t.id for t in themes)
    for n, (days_ago, theme_id, category, priority, email, context, votes) in enumerate([
        (0, checkout, "bug", "P1", "a@x.io", {}, 2),
        (0, checkout, "bug", "P1", " A@X.io ", {}, 1),  # the same person, spelled otherwise
        (0, checkout, "bug", "P1", None, {**SIGNED, "user": {"id": "u1", "tier": "Enterprise"}}, 0),
        (0, checkout, "bug", "P2", None, {**SIGNED, "user": {"id": 7, "plan": "pro"}}, 0),
        (0, checkout, "bug", "P2", None, {"user": {"id": "u2", "tier": "enterprise"}}, 0),  # unsigned: anonymous
        (0, search, "feature", None, None, {}, 5),
        (1, search, "feature", "P3", "b@x.io", {}, 0),
        (1, None, None, None, "b@x.io", {}, 0),
        (1, login, "question", "P4", "c@x.io", {**SIGNED, "user": {"id": "u3", "tier": "pro"}}, 1),
        (2, login, "question", "P4", "c@x.io", {}, 0),
        (2, checkout, "other", "P5", None, {}, 0),
        (5, search, "bug", "P3", "d@x.io", {}, 3),  # alone on its day
    ]):
        stored(project, f"Item {n}", created_at=now - timedelta(days=days_ago, minutes=n), theme_id=theme_id,
               category=category, priority=priority, submitter_email=email, context=context, vote_count=votes)
    survey = Survey(project=project, kind=SurveyKind.NPS, question="Recommend us?")
    csat = Survey(project=project, kind=SurveyKind.CSAT, question="Happy?")
    db.session.add_all([survey, csat])
    for when, form, score, respondent in [(3, survey, 2, "a@x.io"), (1, survey, 10, "a@x.io"), (1, survey, 6, "u1"),
                                          (2, csat, 5, "7"), (1, csat, 2, "c@x.io"), (1, survey, 9, None)]:
        db.session.add(SurveyResponse(survey=form, score=score, respondent=respondent,
                                      created_at=now - timedelta(hours=when)))
    db.session.commit()
    return themes


def expected_counts(project_id):
    """The daily counts by hand, one item at a time: what the rebuild must store."""
    latest = {}
    for respondent, kind, score in db.session.execute(
            select(SurveyResponse.respondent, Survey.kind, SurveyResponse.score).join(Survey)
            .order_by(SurveyResponse.created_at, SurveyResponse.id)):
        latest[(respondent, kind)] = score
    groups = {}
    for item in db.session.scalars(select(Feedback).where(Feedback.project_id == project_id,
                                                          Feedback.quarantined.is_(False)).order_by(Feedback.id)):
        key = (aggregates.utc_day(item.created_at), item.theme_id, item.category and str(item.category),
               item.priority and str(item.priority))
        group = groups.setdefault(key, {"count": 0, "votes": 0, "people": {}})
        group["count"] += 1
        group["votes"] += item.vote_count
        reporter, tier, respondent = aggregates.reporter_of(item.id, item.submitter_email, item.context)
        group["people"].setdefault(reporter, (tier, respondent))
    found = set()
    for key, group in groups.items():
        people = list(group["people"].values())
        nps = [latest.get((r, SurveyKind.NPS)) for _, r in people if r]
        csat = [latest.get((r, SurveyKind.CSAT)) for _, r in people if r]
        tiers = tuple(sorted(Counter(t for t, _ in people if t).items()))
        found.add((*key, group["count"], len(people), group["votes"], tiers,
                   sum(s is not None and s >= 9 for s in nps), sum(s is not None and s <= 6 for s in nps),
                   sum(s is not None for s in nps), sum(s is not None and s >= 4 for s in csat),
                   sum(s is not None for s in csat)))
    return found


def stored_counts(project_id):
    return {(r.day, r.theme_id, r.category, r.priority, r.count, r.reporters, r.votes, tuple(sorted(r.tiers.items())),
             r.promoters, r.detractors, r.nps_answers, r.csat_good, r.csat_answers)
            for r in db.session.scalars(select(DailyCount).where(DailyCount.project_id == project_id))}


def test_the_rebuild_counts_what_a_count_item_by_item_finds(app, project):
    seeded_history(project)
    worker.rebuild_aggregates()
    assert stored_counts(project.id) == expected_counts(project.id)
    rows = stored_counts(project.id)
    assert {r[7] for r in rows} == {(), (("enterprise", 1),), (("pro", 1),)}  # the unsigned tier is not counted
    assert sum(r[8] for r in rows) == 1 and sum(r[9] for r in rows) == 1  # a@x.io's latest is 10, u1's 6
    assert sum(r[12] for r in rows) == 3  # CSAT of the signed user 7 and of c@x.io (in two groups)


def test_the_incremental_pass_follows_items_moved_between_themes_and_quarantined(app, project):
    checkout, search, login = seeded_history(project)
    worker.rebuild_aggregates()
    later = utcnow() + timedelta(minutes=10)
    db.session.execute(update(Feedback).where(Feedback.title.in_(["Item 0", "Item 6"]))
                       .values(theme_id=login.id, updated_at=later))
    db.session.execute(update(Feedback).where(Feedback.title.in_(["Item 3", "Item 11"]))
                       .values(quarantined=True, updated_at=later))
    db.session.commit()
    assert worker.aggregate_pass(later + timedelta(minutes=1)) >= 3
    assert stored_counts(project.id) == expected_counts(project.id)
    assert not any(r[0] == (utcnow() - timedelta(days=5)).date() for r in stored_counts(project.id))


def test_survey_scores_are_the_same_read_at_once_or_per_chunk_of_respondents(app, project, monkeypatch):
    seeded_history(project)
    survey = db.session.scalar(select(Survey).where(Survey.kind == SurveyKind.NPS))
    for n in range(30):  # more answers than reporters: the rebuild asks per chunk of respondents
        db.session.add(SurveyResponse(survey=survey, score=n % 11, respondent=f"someone{n}@x.io",
                                      created_at=utcnow() - timedelta(days=1)))
    db.session.add(SurveyResponse(survey=survey, score=0, respondent="b@x.io"))
    db.session.commit()
    monkeypatch.setattr(aggregates, "CHUNK", 2)
    worker.rebuild_aggregates()
    assert stored_counts(project.id) == expected_counts(project.id)
    assert sum(r[10] for r in stored_counts(project.id)) == 4  # a@x.io, u1 and b@x.io (in two groups)
