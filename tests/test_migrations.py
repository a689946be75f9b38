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
