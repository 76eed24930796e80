from flask import Blueprint
from flask.views import MethodView

from shop.db import db
from shop.users.models import User

bp = Blueprint("users", __name__)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
def show(user_id):
    return User.query.filter_by(id=user_id).first_or_404()


@bp.get("/")
def listing():
    return db.session.execute(db.select(User)).scalars()


class Profile(MethodView):
    def get(self):
        return "profile"


bp.add_url_rule("/me", view_func=Profile.as_view("profile"))
