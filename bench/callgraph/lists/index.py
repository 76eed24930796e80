# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.g
def f():
    pass


def g():
    pass


def main():
    fs = [f, g]
    fs[1]()


main()
