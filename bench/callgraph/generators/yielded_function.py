# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.gen
# calls: p.main.main -> p.main.f
def f():
    pass


def gen():
    yield f


def main():
    for fn in gen():
        fn()


main()
