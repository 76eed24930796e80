from shop.base import Base, Mixin


class Repo:
    def store(self):
        return None


class Order(Mixin, Base):
    def __init__(self):
        self.repo = Repo()

    def save(self):
        self.validate()
        super().save()
        self.log()
        self.repo.store()

    @classmethod
    def build(cls):
        return cls()

    @staticmethod
    def pure(x):
        return x


def make():
    order = Order()
    order.save()
    Order.validate(order)


def decorate(fn):
    return fn


@decorate
def decorated():
    def inner():
        return make()

    return inner
