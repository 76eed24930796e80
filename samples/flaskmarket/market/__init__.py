"""The market: a Flask monolith (app factory, four blueprints, Flask-SQLAlchemy models, Flask-Migrate migrations).

Run it with ``flask --app market db upgrade`` then ``flask --app market run`` (or the Procfile's gunicorn line).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, redirect, url_for

from .config import load_config
from .errors import register_error_handlers
from .extensions import db, migrate


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the WSGI app: configuration from the environment, extensions, blueprints, error handlers."""
    app = Flask(__name__)
    app.config.update(load_config())
    if overrides:
        app.config.update(overrides)
    db.init_app(app)
    migrate.init_app(app, db, directory=app.config["MIGRATIONS_DIR"])

    from .auth import bp as auth_bp
    from .catalog import bp as catalog_bp
    from .orders import bp as orders_bp
    from .reviews import bp as reviews_bp

    app.register_blueprint(auth_bp, url_prefix="/api/auth")
    app.register_blueprint(catalog_bp, url_prefix="/api/catalog")
    app.register_blueprint(orders_bp, url_prefix="/api/orders")
    app.register_blueprint(reviews_bp, url_prefix="/api/reviews")
    register_error_handlers(app)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/")
    def index() -> Any:
        return redirect(url_for("catalog.list_products"))

    return app
