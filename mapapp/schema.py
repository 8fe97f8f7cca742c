"""What the migrations manage: our tables, not the spatial extensions' own."""

from geoalchemy2 import alembic_helpers

from mapapp.extensions import db


def include_object(obj, name, obj_type, reflected, compare_to):
    """Leave out the spatial extensions' tables (SpatiaLite has dozens) and their indexes.

    A reflected table that no model describes is someone else's; a table dropped from the
    models therefore needs its drop_table written by hand.
    """
    if obj_type == "table" and reflected and name not in db.metadata.tables:
        return False
    return alembic_helpers.include_object(obj, name, obj_type, reflected, compare_to)
