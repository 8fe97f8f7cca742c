"""Anonymous tips: the form, the receipt, the status lookup."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/report")

from mapapp.reports import views  # noqa: E402,F401  (routes attach to bp)
