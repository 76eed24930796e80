# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.a
def a():
    pass


def b():
    pass


def main():
    d = {"a": a, "b": b}
    d["a"]()


main()
