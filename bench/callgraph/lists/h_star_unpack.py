# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.f
# calls: p.main.main -> p.main.g
# calls: p.main.main -> p.main.h
def f():
    pass


def g():
    pass


def h():
    pass


def main():
    first, *rest = [f, g, h]
    first()
    for fn in rest:
        fn()


main()
