# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.level1
# calls: p.main.level1 -> p.main.level2
# calls: p.main.level2 -> p.main.f
def f():
    pass


def g():
    pass


def level2(fn):
    fn()


def level1(fn=g):
    level2(fn)


def main():
    level1(f)


main()
