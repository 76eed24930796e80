"""Product reviews, by customers who bought the product."""

from flask import Blueprint

bp = Blueprint("reviews", __name__)

from . import routes  # noqa: E402,F401  (registers the views on bp)
