"""The migrations build the schema the models describe, on both backends."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from mapapp import create_app
from mapapp.extensions import db
from mapapp.schema import include_object
from tests.conftest import TEST_CONFIG, throwaway_database


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": include_object, "compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_spatial_indexes_exist(app, backend):
    with app.app_context():
        names = set(inspect(db.engine).get_table_names())
        if backend == "sqlite":
            assert {"idx_regions_geom", "idx_institutions_geom"} <= names  # R*Tree tables
        else:
            indexes = {i["name"] for i in inspect(db.engine).get_indexes("institutions")}
            assert "idx_institutions_geom" in indexes


def test_downgrade_and_upgrade_again_on_a_fresh_database(backend, tmp_path):
    with throwaway_database(backend, tmp_path) as url:
        fresh = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        with fresh.app_context():
            upgrade()
            assert "institutions" in inspect(db.engine).get_table_names()
            downgrade(revision="base")
            assert "institutions" not in inspect(db.engine).get_table_names()
            upgrade()
            assert {"regions", "institutions", "reports", "incidents", "audit_events",
                    "moderators", "correction_requests"} <= set(
                        inspect(db.engine).get_table_names())
            db.engine.dispose()
