# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.Order
# calls: p.main.main -> p.main.Order.total
# calls: p.main.Order.total -> p.main.compute
class Order:
    @property
    def total(self):
        return compute()


def compute():
    return 1


def main():
    return Order().total


main()
