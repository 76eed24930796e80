# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.register
# calls: p.main.main -> p.main.f
def f():
    pass


def register(registry):
    registry.append(f)


def main():
    items = []
    register(items)
    items[0]()


main()
