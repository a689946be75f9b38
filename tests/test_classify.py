"""Classification in the app: cold start, the starter model, the rulebook, failures,
corrections, the review queue, and the same answer as `python -m ml predict`."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from ml import TriageModel
from ml.corpus import load_corpus
from tests.conftest import csrf_from, run_in_threads
from triage.extensions import db
from triage.models import Event, Feedback, Kind, ModelVersion, Severity, Status, Strategy
from ml import DEFAULT_RULES
from triage.services.triage import classify, rules, training
from triage.services.intake import Submission, submit_feedback

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def corpus_model(tmp_path_factory):
    """The starter model (the corpus's training split), fitted once for the whole run."""
    corpus = load_corpus()
    model = TriageModel.fit(corpus[corpus["split"] == "train"])
    return model, model.save(tmp_path_factory.mktemp("corpus-model") / model.version)


@pytest.fixture
def trained(app, corpus_model):
    """The starter model, installed in this app's model folder and active."""
    model, folder = corpus_model
    shutil.copytree(folder, classify.model_folder() / model.version)
    version = ModelVersion(version=model.version, path=model.version, n_rows=1312, active=True,
                           metrics={"holdout": training.evaluate(model, load_corpus("validation"))})
    db.session.add(version)
    db.session.commit()
    return version


def submit(project, title, body="", kind=Kind.FEEDBACK, severity=None):
    item = submit_feedback(project, Submission(kind=kind, title=title, body=body, severity=severity))
    db.session.commit()
    return item


def test_without_a_model_keyword_rules_give_a_first_category_and_urgency(project):
    item = submit(project, "Production down: the app crashes for all users")
    assert (item.category, item.urgency, item.model_version) == ("bug", "high", "rules")
    assert item.priority in ("P1", "P2") and classify.needs_review(item)


def test_a_trained_model_classifies_new_items_and_explains_why(project, trained):
    assert trained.active and trained.metrics["holdout"]["category"]["macro_f1"] > 0.8
    item = submit(project, "Please add dark mode to the dashboard", "It would save us a lot of time.")
    assert (item.category, item.model_version) == ("feature", trained.version)
    assert set(item.prediction["category_proba"]) >= {"bug", "feature", "question", "other"}
    words = " ".join(r["feature"] for r in item.prediction["reasons"])
    assert "dark" in words or "add" in words
    event = item.events[1]
    assert event.kind == "classified" and event.data["model"] == trained.version


def test_a_broken_model_leaves_items_unclassified_until_the_next_pass(project, trained, client, auth, agent, runner):
    import shutil

    classify._loaded.update(version=None, model=None)  # a new process: nothing loaded yet
    folder = classify.model_folder() / trained.path
    shutil.move(folder, folder.with_name("moved"))
    item = submit(project, "Search crashes when I click save")
    assert item.category is None and [e.kind for e in item.events] == ["created"]
    auth.login(agent)
    assert "Not classified yet" in client.get(f"/board/items/{item.id}").get_data(as_text=True)
    shutil.move(folder.with_name("moved"), folder)
    result = runner.invoke(args=["triage", "sweep"])  # the next pass picks it up
    assert result.exit_code == 0 and "classified 1" in result.output
    db.session.refresh(item)
    assert item.category == "bug" and item.team_id == project.default_team_id


def test_model_files_outside_the_model_folder_are_never_loaded(app, trained):
    trained.path = "../../elsewhere"
    classify._loaded.update(version=None, model=None)
    from ml import ModelError

    with pytest.raises(ModelError):
        classify.active_model()


def test_correction_sets_priority_from_the_matrix_and_is_never_overwritten(project, agent):
    item = submit(project, "Typo on the settings page")
    assert classify.reclassify(item, agent, category="bug", impact="high", urgency="high")
    db.session.commit()
    assert item.priority == "P1"
    event = item.events[-1]
    assert event.kind == "reclassified" and event.data["from"]["category"] == item.prediction["category"]
    assert event.data["to"] == {"category": "bug", "impact": "high", "urgency": "high", "priority": "P1"}
    classify.classify_items([item])
    assert (item.category, item.priority) == ("bug", "P1")
    assert not classify.needs_review(item)


def test_correction_through_the_item_page(client, auth, agent, project):
    item = submit(project, "Love the new dashboard")
    auth.login(agent)
    token = csrf_from(client, f"/board/items/{item.id}")
    response = client.post(f"/board/items/{item.id}/classification",
                           data={"category": "question", "impact": "low", "urgency": "medium", "csrf_token": token})
    assert response.status_code == 302
    db.session.refresh(item)
    assert (item.category, item.priority) == ("question", "P4")
    bad = client.post(f"/board/items/{item.id}/classification",
                      data={"category": "spam", "impact": "low", "urgency": "low", "csrf_token": token})
    assert bad.status_code == 422


def test_item_page_shows_confidence_reasons_and_review_flag(client, auth, agent, project, trained):
    item = submit(project, "How can I reset the search settings?")
    auth.login(agent)
    html = client.get(f"/board/items/{item.id}").get_data(as_text=True)
    assert "Confidence" in html and "Why" in html
    assert item.prediction["reasons"][0]["feature"].replace('"', "&#34;") in html


def test_review_queue_lists_least_confident_open_items_first(client, auth, agent, project):
    sure, unsure, closed, corrected = (submit(project, t) for t in ("a", "b", "c", "d"))
    for item, confidence in ((sure, 0.95), (unsure, 0.31), (closed, 0.2), (corrected, 0.1)):
        item.confidence = confidence
    closed.status = Status.CLOSED
    classify.reclassify(corrected, agent, category="bug", impact="low", urgency="low")
    db.session.commit()
    assert [i.title for i in classify.review_queue(10)] == ["b"]
    auth.login(agent)
    assert ">b</a>" in client.get("/board/review").get_data(as_text=True)


def test_corrections_on_a_handful_of_a_new_kind_teach_the_retrained_model(project, agent, trained):
    def kiosk(n: int) -> str:
        return f"Kiosk mode {n} on the lobby tablet"

    before = [submit(project, kiosk(n)) for n in range(14)]
    assert sum(item.category == "question" for item in before[8:]) <= 3  # the model does not know this kind
    for item in before[:8]:  # a triager corrects eight of them: in this team they are questions
        classify.reclassify(item, agent, category="question", impact="low", urgency="low")
    db.session.commit()
    retrained = training.train(actor=agent)
    db.session.commit()
    assert retrained.active and retrained.n_corrections == 8
    after = [submit(project, kiosk(n)) for n in range(100, 106)]
    assert sum(item.category == "question" for item in after) >= 5


def test_a_worse_candidate_is_kept_inactive_and_admins_can_roll_back(app, trained, client, auth, admin):
    corpus = load_corpus("train")
    noise = corpus.assign(category=corpus["category"].sample(frac=1, random_state=1).to_numpy())  # shuffled
    worse = training.train(noise, corpus=False, evaluation=load_corpus("validation"))
    db.session.commit()
    assert not worse.active and trained.active
    auth.login(admin)
    page = client.get("/admin/models").get_data(as_text=True)
    assert worse.version in page and "<svg" in page and "Critical recall" in page
    token = csrf_from(client, "/admin/models")
    assert client.post(f"/admin/models/{worse.id}/activate", data={"csrf_token": token}).status_code == 302
    db.session.refresh(worse)
    db.session.refresh(trained)
    assert worse.active and not trained.active


def test_train_command_starts_from_the_corpus_and_prints_held_out_scores_only(app, runner, tmp_path):
    path = tmp_path / "labelled.csv"
    path.write_text("text,label,impact,urgency\n\"Kiosk mode on the lobby tablet\",feature,medium,low\n")
    result = runner.invoke(args=["triage", "train", "--data", str(path)])
    assert result.exit_code == 0, result.output
    assert "rows the model never saw" in result.output and "critical recall" in result.output
    assert "activated" in result.output
    version = db.session.scalars(select(ModelVersion)).one()
    assert version.active and version.n_rows == len(load_corpus("train")) + 1
    assert version.metrics["holdout_rows"] == len(load_corpus("validation"))


def test_train_command_reports_bad_input_without_a_traceback(app, runner, tmp_path):
    missing = runner.invoke(args=["triage", "train", "--data", str(tmp_path / "none.csv")])
    assert missing.exit_code != 0 and "Traceback" not in missing.output
    nothing = runner.invoke(args=["triage", "train", "--no-corpus"])
    assert nothing.exit_code != 0 and "No training data" in nothing.output


def test_admins_edit_keyword_rules_and_bad_regex_is_refused(client, auth, admin, project):
    auth.login(admin)
    token = csrf_from(client, "/admin/keyword-rules")
    bad = client.post("/admin/keyword-rules", data={"pattern": "([unclosed", "category": "bug", "csrf_token": token})
    assert bad.status_code == 422
    ok = client.post("/admin/keyword-rules", data={"pattern": r"\binvoice\b", "category": "question",
                                                   "urgency": "high", "csrf_token": token})
    assert ok.status_code == 302
    item = submit(project, "Where is my invoice")
    assert (item.category, item.urgency) == ("question", "high")
    assert db.session.scalars(select(Event).where(Event.kind == "classified")).first() is not None


def test_correction_routes_again_by_the_new_category(client, auth, agent, project):
    from triage.services import accounts
    from triage.services.triage import routing

    billing = accounts.create_team("Billing")
    routing.save_rule(None, name="questions to billing", conditions={"category": "question"},
                      team_id=billing.id, assignee_id=None, strategy=Strategy.NONE)
    db.session.commit()
    item = submit(project, "Crash on the export page")
    assert item.team_id != billing.id
    auth.login(agent)
    token = csrf_from(client, f"/board/items/{item.id}")
    client.post(f"/board/items/{item.id}/classification",
                data={"category": "question", "impact": "low", "urgency": "low", "csrf_token": token})
    db.session.refresh(item)
    assert item.team_id == billing.id
    assert [e.kind for e in item.events][-2:] == ["reclassified", "routed"]


def test_with_inline_triage_off_intake_stores_and_the_worker_triages(make_app):
    from tests import builders
    from triage import worker

    app = make_app(CLASSIFY_INLINE=False)
    with app.app_context():
        project = builders.Project(slug="p", name="P", default_team=builders.team_with_roles())
        db.session.add(project)
        builders.policy("P1"), builders.policy("P2", first=120, resolution=480)
        item = submit(project, "Production down: the app crashes for all users")
        assert (item.category, item.priority, item.first_response_due) == (None, None, None)
        assert [e.kind for e in item.events] == ["created"]
        assert worker.classify_pass() == 1
        db.session.refresh(item)
        assert item.category == "bug" and item.team_id == project.default_team_id
        assert item.first_response_due is not None
        assert worker.classify_pass() == 0  # nothing left pending


def test_done_means_through_the_hosted_form(client, project, trained, agent, auth):
    def send(title, **fields):
        data = {"kind": "bug", "title": title, "csrf_token": csrf_from(client, "/p/demo"), **fields}
        assert client.post("/p/demo", data=data).status_code == 303
        return db.session.scalars(select(Feedback).order_by(Feedback.id.desc())).first()

    locked = send("Our whole team is locked out since this morning, nobody can log in")
    typo = send("typo in the footer", severity="critical")
    junk = send("asdf")
    assert (locked.category, locked.priority) == ("bug", "P1")
    assert {"access blocked", "everyone", "since this morning"} <= set(locked.prediction["why"])
    assert typo.priority in ("P4", "P5") and typo.impact == "low"
    assert "submitter said critical: urgency +1" in typo.prediction["why"]
    assert (junk.category, junk.priority, junk.prediction["junk"]) == ("other", "P5", True)
    assert "junk" in junk.tags
    auth.login(agent)
    page = client.get(f"/board/items/{locked.id}").get_data(as_text=True)
    assert "Why: " in page and "access blocked · everyone · since this morning" in page
    assert 'id="junk-flag"' in client.get(f"/board/items/{junk.id}").get_data(as_text=True)


def test_the_app_and_the_command_line_give_the_same_answer(project, trained, tmp_path):
    reports = [("Charged twice", "i was charged twice for my yearly plan", "critical"),
               ("Notes gone", "Your app deleted three months of my customer notes", ""),
               ("Dark mode", "please add dark mode", "high"), ("qwertyuiop", "", "")]
    items = [submit(project, t, b, Kind.BUG, Severity(s) if s else None) for t, b, s in reports]
    path = tmp_path / "in.csv"
    import csv
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["title", "body", "text", "severity", "kind", "channel"])
        for (title, body, severity), item in zip(reports, items):
            writer.writerow([title, body, f"{title}\n\n{body}", severity, "bug", item.channel.value])
    out = tmp_path / "out.csv"
    model = classify.model_folder() / trained.path
    done = subprocess.run([sys.executable, "-m", "ml", "predict", "--model", str(model), "--input", str(path),
                           "--output", str(out)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    for row, item in zip(rows, items):
        assert (row["category"], row["impact"], row["urgency"], row["priority"]) == (
            item.category, item.impact, item.urgency, item.priority)


def test_admin_rules_add_to_the_defaults_which_switch_off_one_by_one(client, auth, admin, project, trained):
    auth.login(admin)
    token = csrf_from(client, "/admin/keyword-rules")
    assert client.post("/admin/keyword-rules", data={"pattern": r"\bkiosk\b", "urgency": "high",
                                                     "csrf_token": token}).status_code == 302
    assert rules.rulebook().defaults == list(DEFAULT_RULES)  # the admin's rule replaced none of them
    page = client.get("/admin/keyword-rules").get_data(as_text=True)
    assert "money" in page and "Switch off" in page
    client.post("/admin/keyword-rules/defaults/money", data={"enabled": "0", "csrf_token": token})
    assert "Switch on" in client.get("/admin/keyword-rules").get_data(as_text=True)
    assert [r.name for r in rules.rulebook().defaults] == [r.name for r in DEFAULT_RULES if r.name != "money"]
    kiosk = submit(project, "Kiosk", "kiosk mode shows the wrong logo", Kind.BUG)
    assert kiosk.urgency == "high" and 'admin rule "kiosk"' in [w.lower() for w in kiosk.prediction["why"]]
    assert client.post("/admin/keyword-rules/defaults/nope", data={"enabled": "0", "csrf_token": token}).status_code == 404


def test_two_workers_at_once_triage_each_pending_item_once(make_app):
    from tests import builders
    from triage import worker

    app = make_app(CLASSIFY_INLINE=False)
    with app.app_context():
        project = builders.Project(slug="p", name="P", default_team=builders.team_with_roles())
        db.session.add(project)
        for n in range(40):
            submit(project, f"Export number {n} crashes with an error")

    def work(barrier):
        barrier.wait()
        return worker.classify_pass()
    done = run_in_threads(app, work)
    with app.app_context():
        classified = db.session.scalars(select(Event.feedback_id).where(Event.kind == "classified")).all()
        assert sum(done) == 40 and sorted(classified) == sorted(set(classified)) and len(classified) == 40
