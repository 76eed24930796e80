# calls: p.main -> p.main.deco
# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.deco.wrapper
# calls: p.main.deco.wrapper -> p.main.f
def deco(fn):
    def wrapper():
        return fn()

    return wrapper


@deco
def f():
    pass


def main():
    f()


main()
