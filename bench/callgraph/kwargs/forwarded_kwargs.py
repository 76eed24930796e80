# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.outer
# calls: p.main.outer -> p.main.inner
# calls: p.main.inner -> p.main.f
def f():
    pass


def inner(cb):
    cb()


def outer(**kwargs):
    inner(**kwargs)


def main():
    outer(cb=f)


main()
