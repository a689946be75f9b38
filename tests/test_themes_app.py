"""Themes in the app: runs of ml/themes.py keep theme ids, names and PM edits; new items join
the nearest theme; PMs rename, merge, split, pin and move; runs go through background jobs
(the worker's table or RQ) and the `flask triage themes` command."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.board_support import stored
from triage.extensions import db
from triage.models import Event, Feedback, Role, Theme, ThemeSource, ThemeStatus
from triage.services import DomainError
from triage.services.insights import themes
from tests.conftest import csrf_from, make_user

TOPICS = {
    "export": ["CSV export crashes on large reports", "Export to CSV fails with an error",
               "CSV export times out for big reports", "Export CSV button crashes the report page",
               "Exporting reports as CSV is broken"],
    "dark": ["Please add a dark mode theme", "Dark mode for the dashboard please",
             "Dark theme would help at night", "Add dark mode to the mobile app",
             "Night mode dark theme request"],
    "login": ["Cannot log in with my password", "Login fails after password reset",
              "Password reset email never arrives so I cannot log in", "Login page rejects my password",
              "Locked out: password login broken"],
}


def seed(project, topics=TOPICS) -> dict[str, list[Feedback]]:
    found = {key: [stored(project, title, body=f"{title}. {key} {key}") for title in titles]
             for key, titles in topics.items()}
    db.session.commit()
    return found


def theme_of(items: list[Feedback]) -> set[int | None]:
    return {db.session.get(Feedback, i.id).theme_id for i in items}


def run(project, **kwargs):
    summary = themes.run_themes(project, k=3, **kwargs)
    db.session.commit()
    return summary


def test_a_run_groups_related_items_under_named_auto_themes(project):
    found = seed(project)
    summary = run(project)
    assert summary.themes == 3 and summary.themed == 15
    for items in found.values():
        assert len(theme_of(items)) == 1 and None not in theme_of(items)
    export = db.session.get(Theme, theme_of(found["export"]).pop())
    assert export.source is ThemeSource.AUTO and "csv" in export.name.lower()
    assert export.quote in [i.title for i in found["export"]]  # a member's words, verbatim
    assert export.phrases and export.profile


def test_a_second_run_keeps_ids_and_pm_edits(project):
    found = seed(project)
    run(project)
    first = {key: theme_of(items).pop() for key, items in found.items()}
    dark = db.session.get(Theme, first["dark"])
    themes.rename(dark, "Dark mode")
    themes.set_status(dark, ThemeStatus.PLANNED)
    themes.pin(db.session.get(Theme, first["login"]), True)
    db.session.commit()
    seed(project, {"dark": ["Dark mode on the settings page too"]})
    run(project)
    assert {key: theme_of(items).pop() for key, items in found.items()} == first
    dark = db.session.get(Theme, first["dark"])
    assert (dark.name, dark.status, dark.name_locked) == ("Dark mode", ThemeStatus.PLANNED, True)
    assert db.session.get(Theme, first["login"]).pinned


def test_clusters_smaller_than_three_stay_unthemed(project):
    seed(project, {"a": ["Export crashes", "Export crashes again"]})
    summary = themes.run_themes(project)
    assert summary.themes == 0 and summary.themed == 0
    seed(project, {**TOPICS, "pair": ["Invoices in euro please", "Euro invoices needed"]})
    summary = themes.run_themes(project, k=8)
    db.session.commit()
    sizes = dict(db.session.execute(select(Feedback.theme_id, func.count()).group_by(Feedback.theme_id)).all())
    assert summary.themes and all(n >= 3 for theme_id, n in sizes.items() if theme_id is not None)
    assert sizes.get(None, 0) == summary.items - summary.themed > 0  # the rest wait unthemed


def test_a_run_with_nothing_to_group_changes_nothing(project):
    found = seed(project)
    run(project)
    before = {key: theme_of(items) for key, items in found.items()}
    for item in db.session.scalars(select(Feedback)):
        item.quarantined = True  # e.g. all held for review: no items left to group
    db.session.commit()
    assert themes.run_themes(project).themes == 3
    assert {key: theme_of(items) for key, items in found.items()} == before


def test_a_new_item_joins_the_nearest_theme_on_intake_or_waits_unthemed(project):
    from triage.models import Kind
    from triage.services.intake import Submission, accept

    found = seed(project)
    run(project)
    close, _ = accept(project, Submission(Kind.BUG, "CSV export crashes when the report is large"))
    far, _ = accept(project, Submission(Kind.BUG, "Invoice address wrong", "Billing shows my old street"))
    db.session.commit()
    assert close.theme_id == theme_of(found["export"]).pop()
    assert far.theme_id is None


def test_moved_items_stay_where_a_pm_put_them_across_runs(project):
    found = seed(project)
    run(project)
    pm = make_user(Role.PM)
    export, dark = (db.session.get(Theme, theme_of(found[k]).pop()) for k in ("export", "dark"))
    stray = found["export"][0]
    assert themes.move_items(export, [stray.id], dark, pm) == 1
    dark_name = dark.name
    db.session.commit()
    run(project)
    assert theme_of([stray]) == {dark.id}
    event = db.session.scalar(select(Event).where(Event.feedback_id == stray.id, Event.kind == "themed"))
    assert event.actor_id == pm.id and event.data["to"] == dark_name


def test_merge_moves_every_item_and_removes_the_merged_theme(project):
    found = seed(project)
    run(project)
    export, dark = (db.session.get(Theme, theme_of(found[k]).pop()) for k in ("export", "dark"))
    dark_id = dark.id
    assert themes.merge(dark, export, None) == 5
    db.session.commit()
    assert db.session.get(Theme, dark_id) is None
    assert theme_of(found["dark"] + found["export"]) == {export.id}
    assert any("dark" in term for term in export.profile)  # new dark-mode items find it too
    run(project)
    assert theme_of(found["dark"]) == {export.id}  # a PM's decision outlives the run


def test_split_takes_chosen_items_into_a_new_named_theme(project):
    found = seed(project)
    run(project)
    login = db.session.get(Theme, theme_of(found["login"]).pop())
    reset = [found["login"][1].id, found["login"][2].id]
    new = themes.split(login, reset, "Password reset emails", None)
    db.session.commit()
    assert (new.source, new.name_locked) == (ThemeSource.MANUAL, True)
    assert theme_of([db.session.get(Feedback, i) for i in reset]) == {new.id}
    run(project)
    assert theme_of([db.session.get(Feedback, i) for i in reset]) == {new.id}
    assert db.session.get(Theme, new.id).name == "Password reset emails"


def test_pm_edits_refuse_bad_input(project):
    found = seed(project)
    run(project)
    export, dark = (db.session.get(Theme, theme_of(found[k]).pop()) for k in ("export", "dark"))
    with pytest.raises(DomainError):
        themes.rename(export, dark.name.upper())  # names are unique per project, any case
    with pytest.raises(DomainError):
        themes.rename(export, "  ")
    with pytest.raises(DomainError):
        themes.split(export, [found["dark"][0].id], "Elsewhere", None)  # not an item of this theme
    with pytest.raises(DomainError):
        themes.merge(export, export, None)


def test_a_themes_job_waits_queued_until_the_worker_runs_it(project):
    from triage import worker
    from triage.models import BackgroundJob, JobKind, JobStatus
    from triage.services import jobs

    seed(project)
    pm = make_user(Role.PM)
    job = jobs.enqueue(JobKind.THEMES, project, pm)
    db.session.commit()
    assert jobs.enqueue(JobKind.THEMES, project, pm).id == job.id  # pressed twice: one job
    assert job.status is JobStatus.QUEUED
    assert worker.run_job() is not None
    job = db.session.get(BackgroundJob, job.id)
    assert job.status is JobStatus.DONE and job.percent == 100 and "themes" in job.message
    assert db.session.scalar(select(func.count(Theme.id))) >= 2
    assert worker.run_job() is None  # nothing left


def test_a_failing_job_is_recorded_and_its_work_rolled_back(project, monkeypatch):
    from triage import worker
    from triage.models import JobKind, JobStatus
    from triage.services import jobs
    from triage.services.insights import theme_runs

    seed(project)
    job = jobs.enqueue(JobKind.THEMES, project, None)
    db.session.commit()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(theme_runs, "_write_idf", broken)
    job = worker.run_job(job.id)
    assert job.status is JobStatus.FAILED and "disk full" in job.message
    assert db.session.scalar(select(func.count(Theme.id))) == 0


def test_the_worker_loop_runs_a_retrain_job(project):
    from triage import worker
    from triage.models import JobKind, JobStatus, ModelVersion
    from triage.services import jobs

    admin = make_user(Role.ADMIN)
    job = jobs.enqueue(JobKind.RETRAIN, None, admin)
    db.session.commit()
    worker.run(interval=0, once=True, echo=lambda line: None)
    assert db.session.get(type(job), job.id).status is JobStatus.DONE
    assert db.session.scalar(select(ModelVersion).where(ModelVersion.active)) is not None


def test_with_redis_a_job_goes_onto_rq_after_the_commit(make_app):
    from tests.servers import rq_queue_or_skip
    from triage.models import BackgroundJob, JobKind, JobStatus
    from triage.services import accounts, jobs

    app, queue, rq = rq_queue_or_skip(make_app)
    with app.app_context():
        project = accounts.create_project("rq", "RQ")
        db.session.commit()
        seed(project)
        job = jobs.enqueue(JobKind.THEMES, project, None)
        assert queue.count == 0  # not before the row is committed
        db.session.commit()
        assert queue.count == 1
        rq.SimpleWorker([queue], connection=queue.connection).work(burst=True)
        db.session.expire_all()
        assert db.session.get(BackgroundJob, job.id).status is JobStatus.DONE
        assert db.session.scalar(select(func.count(Theme.id))) >= 2
        queue.delete(delete_jobs=True)


def test_the_themes_command_runs_one_project_or_all(project, runner):
    seed(project)
    result = runner.invoke(args=["triage", "themes", "--project", "demo"])
    assert result.exit_code == 0, result.output
    assert "demo:" in result.output and "themes" in result.output
    assert db.session.scalar(select(func.count(Theme.id))) >= 2
    assert runner.invoke(args=["triage", "themes"]).exit_code == 0
    missing = runner.invoke(args=["triage", "themes", "--project", "nope"])
    assert missing.exit_code != 0 and "nope" in missing.output.lower()


def post(client, page, action, data):
    token = csrf_from(client, page)
    return client.post(action, data={"csrf_token": token, **data})


def form_post(client, page, action, prefix, data):
    """Post a prefixed form of the theme page (its CSRF field carries the prefix too)."""
    token = csrf_from(client, page)
    return client.post(action, data={f"{prefix}-csrf_token": token, **{f"{prefix}-{k}": v for k, v in data.items()}})


def test_the_list_shows_themes_pinned_first_with_phrases_and_quote(client, auth, project):
    found = seed(project)
    run(project)
    login = db.session.get(Theme, theme_of(found["login"]).pop())
    themes.pin(login, True)
    db.session.commit()
    auth.login(make_user(Role.AGENT))
    page = client.get("/insights/themes").get_data(as_text=True)
    assert page.index(login.name) < min(page.index(db.session.get(Theme, theme_of(found[k]).pop()).name)
                                        for k in ("export", "dark"))
    assert "pinned" in page and login.quote in page and "Run themes now" not in page  # agents read
    detail = client.get(f"/insights/themes/{login.id}").get_data(as_text=True)
    assert all(item.title in detail for item in found["login"]) and "Rename" not in detail


def test_agents_cannot_edit_themes(client, auth, project):
    found = seed(project)
    run(project)
    theme_id = theme_of(found["dark"]).pop()
    auth.login(make_user(Role.AGENT))
    page = f"/insights/themes/{theme_id}"
    for action, data in (("rename", {"rename-name": "X"}), ("status", {"status-status": "planned"}),
                         ("pin", {"pin-pinned": "1"}), ("merge", {"merge-target": "1"}),
                         ("split", {"items-items": "1", "items-name": "X"}), ("move", {"items-items": "1"})):
        assert post(client, page, f"{page}/{action}", data).status_code == 403, action
    assert post(client, "/insights/themes", "/insights/themes/run", {"project_id": project.id}).status_code == 403
    assert db.session.get(Theme, theme_id).status is ThemeStatus.OPEN


def test_a_pm_renames_sets_status_pins_and_splits_on_the_page(client, auth, project):
    found = seed(project)
    run(project)
    theme_id = theme_of(found["login"]).pop()
    auth.login(make_user(Role.PM))
    page = f"/insights/themes/{theme_id}"
    assert form_post(client, page, f"{page}/rename", "rename", {"name": "Can't sign in"}).status_code == 302
    assert form_post(client, page, f"{page}/status", "status", {"status": "in_progress"}).status_code == 302
    assert form_post(client, page, f"{page}/pin", "pin", {"pinned": "1"}).status_code == 302
    theme = db.session.get(Theme, theme_id)
    assert (theme.name, theme.status, theme.pinned) == ("Can't sign in", ThemeStatus.IN_PROGRESS, True)
    assert "Can&#39;t sign in" in client.get(page).get_data(as_text=True)
    chosen = found["login"][1].id
    answer = form_post(client, page, f"{page}/split", "items", {"items": str(chosen), "name": "Reset emails"})
    assert answer.status_code == 302
    assert db.session.get(Feedback, chosen).theme.name == "Reset emails"
    refused = form_post(client, page, f"{page}/split", "items", {"items": str(found["login"][0].id), "name": ""})
    assert refused.status_code == 422 and "Name the theme" in refused.get_data(as_text=True)
    bad = form_post(client, page, f"{page}/status", "status", {"status": "done-ish"})
    assert bad.status_code == 422


def test_a_pm_merges_and_moves_on_the_page(client, auth, project):
    found = seed(project)
    run(project)
    export, dark, login = (theme_of(found[k]).pop() for k in ("export", "dark", "login"))
    auth.login(make_user(Role.PM))
    page = f"/insights/themes/{export}"
    moved = form_post(client, page, f"{page}/move", "items", {"items": str(found["export"][0].id), "target": str(login)})
    assert moved.status_code == 302 and theme_of([found["export"][0]]) == {login}
    out = form_post(client, page, f"{page}/move", "items", {"items": str(found["export"][1].id), "target": "0"})
    assert out.status_code == 302 and theme_of([found["export"][1]]) == {None}
    merged = form_post(client, page, f"{page}/merge", "merge", {"target": str(dark)})
    assert merged.status_code == 302 and merged.headers["Location"].endswith(f"/insights/themes/{dark}")
    assert db.session.get(Theme, export) is None and theme_of(found["export"][2:]) == {dark}
    assert client.get(page).status_code == 404


def test_run_now_queues_a_job_whose_progress_the_list_shows(client, auth, project):
    from triage import worker

    seed(project)
    auth.login(make_user(Role.PM))
    answer = post(client, "/insights/themes", "/insights/themes/run", {"project_id": project.id})
    assert answer.status_code == 302
    page = client.get("/insights/themes").get_data(as_text=True)
    assert "queued" in page and 'http-equiv="refresh"' in page
    job = worker.run_job()
    assert client.get(f"/insights/jobs/{job.id}").json["status"] == "done"
    page = client.get("/insights/themes").get_data(as_text=True)
    assert "done" in page and 'http-equiv="refresh"' not in page
    assert post(client, "/insights/themes", "/insights/themes/run", {"project_id": "9999"}).status_code == 422


def test_retrain_now_on_the_models_page_queues_a_job(client, auth, app):
    from triage import worker

    auth.login(make_user(Role.ADMIN))
    answer = post(client, "/admin/models", "/admin/models/retrain", {})
    assert answer.status_code == 302
    assert "Retraining: <strong>queued" in client.get("/admin/models").get_data(as_text=True)
    assert worker.run_job().status.value == "done"
    assert "Retraining: <strong>done" in client.get("/admin/models").get_data(as_text=True)


def test_what_a_pm_does_while_a_run_clusters_survives_it(project):
    from triage.services import items as item_verbs

    found = seed(project)
    stray = found["export"][0]

    def file_by_hand(done, total, message):
        if done == 1:  # the run has read the items and is clustering
            item_verbs.set_theme(db.session.get(Feedback, stray.id), "Exports", None)
            db.session.commit()

    themes.run_themes(project, file_by_hand, k=3)
    db.session.commit()
    assert db.session.get(Feedback, stray.id).theme.name == "Exports"
    dark_id = theme_of(found["dark"]).pop()

    def rename(done, total, message):
        if done == 1:
            themes.rename(db.session.get(Theme, dark_id), "Dark mode")
            db.session.commit()

    themes.run_themes(project, rename, k=3)
    db.session.commit()
    assert db.session.get(Theme, dark_id).name == "Dark mode"


def test_a_theme_no_cluster_matches_goes_unless_a_pm_touched_it(project):
    found = seed(project)
    run(project)
    export, dark = (theme_of(found[k]).pop() for k in ("export", "dark"))
    themes.pin(db.session.get(Theme, dark), True)
    for item in found["export"] + found["dark"]:
        db.session.get(Feedback, item.id).quarantined = True  # their reports leave the run
    db.session.commit()
    summary = themes.run_themes(project, k=1)
    db.session.commit()
    assert summary.removed == 1 and db.session.get(Theme, export) is None
    assert db.session.get(Theme, dark).pinned  # pinned: kept, even empty of new members
    assert theme_of(found["login"]) != {None}
