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
from tests.conftest import make_user

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
