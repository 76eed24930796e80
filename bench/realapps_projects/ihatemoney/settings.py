"""ihatemoney's settings for this deployment (read by ``app.config.from_pyfile``)."""

import os

SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite:///" + os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "ihatemoney.db"))
SECRET_KEY = os.environ.get("SECRET_KEY", "a deployment secret")
SESSION_COOKIE_SECURE = False
ACTIVATE_DEMO_PROJECT = True
