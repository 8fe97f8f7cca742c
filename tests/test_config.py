"""Configuration layers and the production secret-key rule."""

import pytest

from mapapp import create_app

SQLITE_MEMORY = {"SQLALCHEMY_DATABASE_URI": "sqlite://"}


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("MAPAPP_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="MAPAPP_SECRET_KEY"):
        create_app({**SQLITE_MEMORY, "ENV_NAME": "production"})


@pytest.mark.parametrize("weak", ["dev", "changeme", "short-but-not-known"])
def test_production_refuses_a_known_or_short_secret(weak):
    with pytest.raises(RuntimeError, match="at least 32 characters"):
        create_app({**SQLITE_MEMORY, "ENV_NAME": "production", "SECRET_KEY": weak})


def test_production_accepts_a_real_secret():
    app = create_app({**SQLITE_MEMORY, "ENV_NAME": "production", "SECRET_KEY": "x" * 40,
                      "PUBLIC_URL": "https://map.example.org"})
    assert app.config["SECRET_KEY"] == "x" * 40


def test_development_generates_a_random_secret_each_time():
    first = create_app(SQLITE_MEMORY).config["SECRET_KEY"]
    second = create_app(SQLITE_MEMORY).config["SECRET_KEY"]
    assert len(first) >= 32 and first != second


def test_prefixed_environment_variables_override_defaults(monkeypatch):
    monkeypatch.setenv("MAPAPP_REQUIRED_APPROVALS", "1")
    monkeypatch.setenv("MAPAPP_TILE_URL", "https://tiles.example.org/{z}/{x}/{y}.png")
    app = create_app(SQLITE_MEMORY)
    assert app.config["REQUIRED_APPROVALS"] == 1  # parsed as JSON, so a number
    assert app.config["TILE_URL"].startswith("https://tiles.example.org/")


def test_database_url_and_redis_url_are_honoured(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///elsewhere.sqlite")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///elsewhere.sqlite"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"


def test_instance_file_sits_between_defaults_and_environment(tmp_path, monkeypatch):
    (tmp_path / "mapapp.cfg").write_text("TIP_RETENTION_DAYS = 30\nREQUIRED_APPROVALS = 3\n")
    monkeypatch.setenv("MAPAPP_REQUIRED_APPROVALS", "2")
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    app = create_app(SQLITE_MEMORY)
    assert app.config["TIP_RETENTION_DAYS"] == 30
    assert app.config["REQUIRED_APPROVALS"] == 2


def test_default_database_is_spatialite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("MAPAPP_SQLALCHEMY_DATABASE_URI", raising=False)
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'mapapp.sqlite'}"
