# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.a
def a():
    pass


def main():
    d = {}
    d["x"] = a
    d["x"]()


main()
