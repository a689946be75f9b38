"""The schema comes only from migrations, and they match the models."""
from flask_migrate import check, downgrade, upgrade
from sqlalchemy import inspect

from triage.extensions import db

TABLES = {"projects", "users", "teams", "team_members", "feedback", "events", "comments"}


def test_upgrade_from_empty_matches_models_and_downgrades_to_base(make_app):
    app = make_app(create_tables=False)
    with app.app_context():
        assert not TABLES & set(inspect(db.engine).get_table_names())
        upgrade()
        assert TABLES <= set(inspect(db.engine).get_table_names())
        check()  # raises when autogenerate finds any difference from the models
        downgrade(revision="base")
        assert not TABLES & set(inspect(db.engine).get_table_names())


def test_migrations_have_a_single_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from triage import ROOT

    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_upgrading_a_database_with_data_keeps_its_rows(make_app):
    from sqlalchemy import text

    app = make_app(create_tables=False)
    with app.app_context():
        upgrade(revision="72247bac1192")  # the first schema
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO projects (slug, name, public_key, allowed_origins, created_at) "
                              "VALUES ('old', 'Old', 'pk_old', '[]', CURRENT_TIMESTAMP)"))
            conn.execute(text(
                "INSERT INTO feedback (project_id, channel, kind, title, body, context, status, vote_count, "
                "escalation_level, status_token, created_at, updated_at) VALUES ((SELECT id FROM projects), "
                "'form', 'bug', 'Old bug', '', '{}', 'new', 0, 0, 'tok', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        upgrade()
        from triage.models import Feedback, Project

        project = db.session.query(Project).one()
        item = db.session.query(Feedback).one()
        assert len(project.identity_secret) == 48
        assert (item.title, item.tags, item.prediction, item.quarantined) == ("Old bug", [], {}, False)


def test_stray_labels_are_cleared_so_every_row_loads(make_app):
    from sqlalchemy import text

    app = make_app(create_tables=False)
    with app.app_context():
        upgrade(revision="4cd3b1e9cfff")  # before the labels were enums
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO projects (slug, name, public_key, allowed_origins, identity_secret, "
                              "created_at) VALUES ('old', 'Old', 'pk_old', '[]', 's', CURRENT_TIMESTAMP)"))
            for title, category, priority in (("Kept", "bug", "P2"), ("Stray", "defect", "P2"),
                                              ("Odd priority", "bug", "P9")):
                conn.execute(text(
                    "INSERT INTO feedback (project_id, channel, kind, title, body, context, tags, quarantined, "
                    "category, impact, urgency, priority, prediction, status, vote_count, escalation_level, "
                    "status_token, created_at, updated_at) VALUES ((SELECT id FROM projects), 'form', 'bug', "
                    ":title, '', '{}', '[]', false, :category, 'high', 'medium', :priority, '{}', 'new', 0, 0, "
                    ":title, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"title": title, "category": category,
                                                                        "priority": priority})
        upgrade()
        from triage.models import Category, Feedback, Priority

        found = {item.title: (item.category, item.impact, item.priority) for item in db.session.query(Feedback)}
        assert found == {"Kept": (Category.BUG, "high", Priority.P2), "Stray": (None, None, None),
                         "Odd priority": (None, None, None)}
