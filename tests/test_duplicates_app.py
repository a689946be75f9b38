"""Duplicate suggestions in the app: the per-project index, the item page and /board/duplicates."""
from __future__ import annotations

import re

from triage.extensions import db
from triage.models import Kind, Status
from triage.services import intake, items
from triage.services.intake import Submission
from triage.services.items import duplicates

from tests.board_support import stored
from tests.conftest import csrf_from

EXPORT = ("Export to CSV crashes with a large workspace",
          "When I export my workspace to CSV the app crashes after a few seconds. Large workspace only.")
EXPORT_AGAIN = ("Export to CSV crashes with a large workspace",
                "Export of my large workspace to CSV crashes the app after a few seconds.")
DARK = ("Dark mode for the dashboard", "Please add a dark theme to the dashboard, my eyes hurt at night.")


def submit(project, title, body, kind=Kind.BUG, **extra):
    item = intake.submit_feedback(project, Submission(kind=kind, title=title, body=body, **extra))
    db.session.commit()
    return item


def test_an_item_finds_its_open_look_alike_with_score_band_and_shared_phrases(project):
    first, other = submit(project, *EXPORT), submit(project, *DARK)
    second = submit(project, *EXPORT_AGAIN)
    [found] = duplicates.for_item(second)
    assert found.item.id == first.id and found.band in ("likely", "possible")
    assert found.score >= duplicates.POSSIBLE and any("csv" in p or "export" in p for p in found.shared)
    assert other.id not in [s.item.id for s in duplicates.for_item(first)]


def test_new_items_are_indexed_on_the_next_lookup_and_closed_ones_drop_out(project, agent):
    first = submit(project, *EXPORT)
    assert duplicates.for_item(first) == []  # the index is built now, with one item
    second = submit(project, *EXPORT_AGAIN)  # stored after the build: caught up by id
    assert [s.item.id for s in duplicates.for_item(first)] == [second.id]
    items.change_status(second, Status.RESOLVED, agent)
    db.session.commit()
    assert duplicates.for_item(first) == [] and duplicates.for_item(second) == []
    items.change_status(second, Status.IN_PROGRESS, agent)  # reopened: found again
    db.session.commit()
    assert [s.item.id for s in duplicates.for_item(first)] == [second.id]


def test_a_change_made_elsewhere_never_shows_a_closed_item(project):
    first, second = submit(project, *EXPORT), submit(project, *EXPORT_AGAIN)
    assert duplicates.for_item(first)
    second.status = Status.CLOSED  # as another process would, without telling this one's index
    db.session.commit()
    assert duplicates.for_item(first) == []


def test_items_of_other_projects_are_not_suggested(project):
    from triage.services import accounts

    other = accounts.create_project("other", "Other")
    db.session.commit()
    first = submit(project, *EXPORT)
    submit(other, *EXPORT_AGAIN)
    assert duplicates.for_item(first) == []
    # caught up after the build: another project's and a quarantined item are read once, never indexed
    submit(other, *EXPORT_AGAIN)
    hidden = submit(project, *EXPORT_AGAIN)
    hidden.quarantined = True
    db.session.commit()
    index = duplicates.project_index(project.id)
    assert set(index.known) == {first.id} and index.seen_id >= hidden.id
    again = submit(project, *EXPORT_AGAIN)
    assert [s.item.id for s in duplicates.for_item(first)] == [again.id]


def test_the_item_page_shows_possible_duplicates_with_a_merge_button(client, auth, agent, project):
    first, second = submit(project, *EXPORT), submit(project, *EXPORT_AGAIN)
    auth.login(agent)
    html = client.get(f"/board/items/{second.id}").get_data(as_text=True)
    assert "Possible duplicates" in html and f"#{first.id} {EXPORT[0]}" in html
    assert f'action="/board/items/{second.id}/merge"' in html and f'name="other" value="{first.id}"' in html


def test_merge_suggestions_list_pairs_and_the_button_merges_into_the_older(client, auth, agent, project):
    first, _, second = submit(project, *EXPORT), submit(project, *DARK), submit(project, *EXPORT_AGAIN)
    auth.login(agent)
    html = client.get("/board/duplicates").get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<td>.*?</tr>", html, re.S)
    assert len(rows) == 1 and f"#{second.id}" in rows[0] and f"Merge into #{first.id}" in rows[0]
    token = csrf_from(client, "/board/duplicates")
    response = client.post(f"/board/items/{second.id}/merge", data={"other": first.id, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/board/items/{first.id}")
    db.session.refresh(second)
    assert second.duplicate_of_id == first.id and second.status == Status.CLOSED
    assert "No likely or possible duplicates" in client.get("/board/duplicates").get_data(as_text=True)


def test_merging_an_item_with_itself_or_a_missing_one_is_a_form_error(client, auth, agent, project):
    first = submit(project, *EXPORT)
    auth.login(agent)
    token = csrf_from(client, f"/board/items/{first.id}")
    assert client.post(f"/board/items/{first.id}/merge", data={"other": first.id, "csrf_token": token}).status_code == 422
    assert client.post(f"/board/items/{first.id}/merge", data={"other": "x", "csrf_token": token}).status_code == 422
    missing = client.post(f"/board/items/{first.id}/merge", data={"other": 999, "csrf_token": token})
    assert missing.status_code == 422 and "No item 999" in missing.get_data(as_text=True)


def test_a_pm_merges_from_the_suggestions_and_both_reporters_follow_the_survivor(client, auth, pm, project):
    first = submit(project, *EXPORT, email="ann@x.org")
    second = submit(project, *EXPORT_AGAIN, email="bob@x.org")
    auth.login(pm)
    html = client.get("/board/duplicates").get_data(as_text=True)
    assert f"Merge into #{first.id}" in html
    token = csrf_from(client, "/board/duplicates")
    response = client.post(f"/board/items/{second.id}/merge", data={"other": first.id, "csrf_token": token})
    assert response.status_code == 302
    db.session.refresh(first)
    assert first.submitter_email == "ann@x.org" and [f.email for f in first.followers] == ["bob@x.org"]
    assert "Unmerge" in client.get(f"/board/items/{second.id}").get_data(as_text=True)
    token = csrf_from(client, f"/board/items/{second.id}")
    assert client.post(f"/board/items/{second.id}/unmerge", data={"csrf_token": token}).status_code == 302
    db.session.refresh(second)
    assert second.duplicate_of_id is None


def test_a_pm_changes_no_other_part_of_an_item(client, auth, pm, project):
    first = submit(project, *EXPORT)
    auth.login(pm)
    token = csrf_from(client, "/board/duplicates")
    assert client.post(f"/board/items/{first.id}/status", data={"status": "resolved", "csrf_token": token}).status_code == 403


def test_quarantined_and_merged_items_are_never_candidates(project):
    first = submit(project, *EXPORT)
    stored(project, EXPORT_AGAIN[0], body=EXPORT_AGAIN[1], quarantined=True)
    stored(project, EXPORT_AGAIN[0], body=EXPORT_AGAIN[1], duplicate_of_id=first.id)
    db.session.commit()
    assert duplicates.for_item(first) == []


def test_a_large_project_is_indexed_in_the_background_and_found_once_ready(make_app):
    from triage.services import accounts

    app = make_app(DUPLICATES_INLINE_BUILD=1)
    with app.app_context():
        project = accounts.create_project("big", "Big")
        db.session.commit()
        first, second = submit(project, *EXPORT), submit(project, *EXPORT_AGAIN)
        assert duplicates.for_item(second) == []  # the request does not wait for the build
        for thread in list(app.extensions["triage_duplicates_building"].values()):
            thread.join(30)
        assert duplicates.ready(project.id) and [s.item.id for s in duplicates.for_item(second)] == [first.id]
        client = app.test_client()
        assert client.get(f"/p/{project.slug}/similar?q=x").status_code == 200
