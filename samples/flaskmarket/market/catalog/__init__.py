"""Categories, products and their tags."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)

from . import routes  # noqa: E402,F401  (registers the views on bp)
