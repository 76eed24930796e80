# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.f
# calls: p.main.main -> p.main.g
def f():
    return 1


def g():
    return 2


def main():
    return [fn() for fn in (f, g)]


main()
