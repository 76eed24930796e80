# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.call_all
# calls: p.main.call_all -> p.main.f
# calls: p.main.call_all -> p.main.g
def f():
    pass


def g():
    pass


def call_all(*fns):
    for fn in fns:
        fn()


def main():
    call_all(f, g)


main()
