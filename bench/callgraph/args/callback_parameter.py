# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.call
# calls: p.main.call -> p.main.f
def f():
    pass


def call(fn):
    fn()


def main():
    call(f)


main()
