# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.Registry
# calls: p.main.main -> p.main.Registry.add
# calls: p.main.main -> p.main.Registry.fire
# calls: p.main.Registry.fire -> p.main.ping
class Registry:
    def __init__(self):
        self.items = []

    def add(self, fn):
        self.items.append(fn)

    def fire(self):
        for fn in self.items:
            fn()


def ping():
    pass


def main():
    r = Registry()
    r.add(ping)
    r.fire()


main()
