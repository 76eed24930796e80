# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.call
# calls: p.main.call -> p.main.f
def f():
    pass


def call(first, second):
    second()


def main():
    pair = (None, f)
    call(*pair)


main()
