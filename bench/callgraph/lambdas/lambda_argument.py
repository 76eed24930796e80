# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.apply
# calls: p.main.main -> p.main.f
def f(x):
    return x


def apply(fn, value):
    return fn(value)


def main():
    apply(lambda v: f(v), 1)


main()
