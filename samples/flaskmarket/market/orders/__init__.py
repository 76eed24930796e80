"""Orders: placing, paying, cancelling; sellers' sales."""

from flask import Blueprint

bp = Blueprint("orders", __name__)

from . import routes  # noqa: E402,F401  (registers the views on bp)
