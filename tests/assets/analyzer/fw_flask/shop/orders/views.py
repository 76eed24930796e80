import os

from flask import Blueprint

from shop.db import db
from shop.orders.models import Order

orders = Blueprint("orders", __name__, url_prefix="/api/orders")
PAGE = int(os.getenv("PAGE_SIZE", "20"))


@orders.route("/", methods=["POST"])
def place():
    order = Order()
    db.session.add(order)
    db.session.commit()
    return "created"


@orders.route("/<int:order_id>")
def show(order_id):
    return db.session.query(Order).get(order_id)


@orders.delete("/<int:order_id>")
def cancel(order_id):
    Order.query.filter_by(id=order_id).delete()
