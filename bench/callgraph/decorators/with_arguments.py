# calls: p.main -> p.main.tag
# calls: p.main -> p.main.tag.apply
# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.f
def tag(name):
    def apply(fn):
        return fn

    return apply


@tag("x")
def f():
    pass


def main():
    f()


main()
