from shop.db import db

order_items = db.Table(
    "order_items",
    db.Column("order_id", db.Integer, db.ForeignKey("orders.id")),
    db.Column("item_id", db.Integer, db.ForeignKey("item.id")),
)


class Order(db.Model):
    __tablename__ = "orders"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    items = db.relationship("Item", secondary=order_items)
    user = db.relationship("User")


class Item(db.Model):
    id = db.Column(db.Integer, primary_key=True)
