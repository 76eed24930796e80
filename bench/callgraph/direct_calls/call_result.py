# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.outer
# calls: p.main.main -> p.main.inner
def inner():
    pass


def outer():
    return inner


def main():
    outer()()


main()
