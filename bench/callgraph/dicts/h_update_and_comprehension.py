# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.b
def a():
    pass


def b():
    pass


def main():
    d = {"a": a}
    d.update({"b": b})
    calls = {k: v for k, v in d.items()}
    calls["b"]()


main()
