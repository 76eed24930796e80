# calls: p.main -> p.main.register
# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.f
REGISTRY = []


def register(fn):
    REGISTRY.append(fn)
    return fn


@register
def f():
    pass


def main():
    f()
    for fn in REGISTRY:
        fn()


main()
