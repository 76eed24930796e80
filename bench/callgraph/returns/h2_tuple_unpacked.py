# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.pair
# calls: p.main.main -> p.main.g
def f():
    pass


def g():
    pass


def pair():
    return f, g


def main():
    x, y = pair()
    y()


main()
