# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.f
# calls: p.main.main -> p.main.g
def f():
    pass


def g():
    pass


def main():
    fs = []
    fs.append(f)
    fs.insert(0, g)
    it = iter(fs)
    next(it)()


main()
