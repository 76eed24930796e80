# calls: p.main -> p.main.a
# calls: p.main -> p.main.b
# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.a.wa
# calls: p.main.a.wa -> p.main.b.wb
# calls: p.main.b.wb -> p.main.f
def a(fn):
    def wa():
        return fn()

    return wa


def b(fn):
    def wb():
        return fn()

    return wb


@a
@b
def f():
    pass


def main():
    f()


main()
