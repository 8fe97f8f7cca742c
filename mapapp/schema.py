"""What the migrations manage: our tables, not the spatial extensions' own."""

from geoalchemy2 import alembic_helpers

from mapapp.extensions import db

# The name search's indexes differ by backend (byte-order B-tree and pg_trgm's GIN on
# PostgreSQL, a plain B-tree and an FTS5 table on SQLite): the models cannot describe them.
SEARCH_INDEXES = ("ix_institution_names_form", "ix_institution_names_form_trgm",
                  "ix_institution_names_proper_trgm", "ix_reports_description_trgm")


def include_object(obj, name, obj_type, reflected, compare_to):
    """Leave out the spatial extensions' tables (SpatiaLite has dozens) and their indexes.

    A reflected table that no model describes is someone else's; a table dropped from the
    models therefore needs its drop_table written by hand.
    """
    if obj_type == "table" and reflected and name not in db.metadata.tables:
        return False
    if obj_type == "index" and name in SEARCH_INDEXES:
        return False  # made per backend by hand (migrations 0005 and 0007)
    return alembic_helpers.include_object(obj, name, obj_type, reflected, compare_to)
