"""Start-up, configuration and the database connection."""
import os

import pytest
from sqlalchemy import text

from triage import create_app
from triage.config import ConfigError, from_environment, normalise_database_url
from triage.extensions import db


def test_database_dialect_is_the_one_under_test(app):
    expected = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
    assert db.engine.dialect.name == expected


def test_sqlite_runs_in_wal_mode_with_full_sync_and_foreign_keys(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas apply to SQLite only")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_postgres_urls_use_the_psycopg_driver():
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_secret_key_is_generated_once_and_kept_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("TRIAGE_ENV", "development")
    first = from_environment(str(tmp_path))["SECRET_KEY"]
    second = from_environment(str(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_without_secret_key_refuses_to_start(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("TRIAGE_ENV", "production")
    with pytest.raises(ConfigError):
        from_environment(str(tmp_path))


def test_cookies_are_secure_outside_development(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("TRIAGE_ENV", "production")
    prod = from_environment(str(tmp_path))
    monkeypatch.setenv("TRIAGE_ENV", "development")
    dev = from_environment(str(tmp_path))
    assert prod["SESSION_COOKIE_SECURE"] is True and dev["SESSION_COOKIE_SECURE"] is False
    app = create_app({"SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_upload_and_model_folders_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.delenv("UPLOAD_FOLDER", raising=False)
    monkeypatch.delenv("MODEL_FOLDER", raising=False)
    unset = from_environment(str(tmp_path))
    monkeypatch.setenv("UPLOAD_FOLDER", str(tmp_path / "shots"))
    monkeypatch.setenv("MODEL_FOLDER", str(tmp_path / "models"))
    chosen = from_environment(str(tmp_path))
    assert (unset["UPLOAD_FOLDER"], unset["MODEL_FOLDER"]) == (None, None)  # the instance folder's
    assert (chosen["UPLOAD_FOLDER"], chosen["MODEL_FOLDER"]) == (str(tmp_path / "shots"), str(tmp_path / "models"))


def test_create_app_touches_no_database(tmp_path):
    path = tmp_path / "never.db"
    create_app({"SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    assert not path.exists()


def test_unknown_page_is_a_clear_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Not Found" in response.data


def test_a_production_start_without_a_secret_says_so_in_one_line(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in ("TRIAGE_ENV", "SECRET_KEY")}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "triage", "--help"], env=env,
                          cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "triage: SECRET_KEY must be set when TRIAGE_ENV=production "
        "(or set TRIAGE_ENV=development to try it on this machine)"]


def test_behind_a_trusted_proxy_the_client_address_comes_from_x_forwarded_for(make_app):
    from flask import request

    for proxies, expected in ((0, "10.0.0.1"), (1, "203.0.113.9")):
        app = make_app(TRUSTED_PROXIES=proxies)
        app.add_url_rule("/_addr", "addr", lambda: request.remote_addr)
        answer = app.test_client().get("/_addr", headers={"X-Forwarded-For": "203.0.113.9"},
                                       environ_base={"REMOTE_ADDR": "10.0.0.1"})
        assert answer.get_data(as_text=True) == expected


def test_rate_limits_and_proxies_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "k")
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "3 per minute")
    monkeypatch.setenv("TRIAGE_PROXIES", "1")
    config = from_environment(str(tmp_path))
    assert config["LOGIN_RATE_LIMIT"] == "3 per minute" and config["TRUSTED_PROXIES"] == 1
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "lots")
    with pytest.raises(ConfigError, match="LOGIN_RATE_LIMIT"):
        from_environment(str(tmp_path))
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "3 per minute")
    monkeypatch.setenv("TRIAGE_PROXIES", "many")
    with pytest.raises(ConfigError, match="TRIAGE_PROXIES"):
        from_environment(str(tmp_path))
