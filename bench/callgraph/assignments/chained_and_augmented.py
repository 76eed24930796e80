# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.f
# calls: p.main.main -> p.main.g
def f():
    pass


def g():
    pass


def main():
    a = b = f
    b()
    fs = [a]
    fs += [g]
    for h in fs:
        h()


main()
