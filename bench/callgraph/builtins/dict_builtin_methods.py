# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.a
# calls: p.main.main -> p.main.b
def a():
    pass


def b():
    pass


def main():
    table = dict(first=a)
    table.setdefault("second", b)
    table.get("first")()
    for fn in table.values():
        fn()


main()
