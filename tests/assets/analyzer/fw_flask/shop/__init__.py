import os

from flask import Flask

from shop.db import db


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL", "sqlite:///shop.db")
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    db.init_app(app)
    from shop.users.views import bp as users_bp
    from shop.orders.views import orders

    app.register_blueprint(users_bp, url_prefix="/api/users")
    app.register_blueprint(orders)
    app.add_url_rule("/health", "health", health)
    return app


def health():
    return "ok"
