# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.g
def f():
    return 1


def g():
    return 2


x, y = f, g


def main():
    y()


main()
