# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.run
# calls: p.main.run -> p.main.g
def f():
    pass


def g():
    pass


def run(*, first, second):
    second()


def main():
    run(**{"first": f, "second": g})


main()
