# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.a
# calls: p.main.main -> p.main.b
def a():
    pass


def b():
    pass


HANDLERS = {"x": a, "y": b}


def main():
    for _, fn in HANDLERS.items():
        fn()


main()
