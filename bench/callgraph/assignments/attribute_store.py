# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.Box
# calls: p.main.main -> p.main.f
class Box:
    pass


def f():
    pass


def main():
    b = Box()
    b.fn = f
    b.fn()


main()
