# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.outer
# calls: p.main.outer -> p.main.inner
# calls: p.main.main -> p.main.f
# calls: p.main.main -> p.main.g
def f():
    pass


def g():
    pass


def inner():
    yield f


def outer():
    yield from inner()
    yield g


def main():
    for fn in outer():
        fn()
    list(x() for x in [f])


main()
