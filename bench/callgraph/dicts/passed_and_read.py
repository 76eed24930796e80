# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.pick
# calls: p.main.main -> p.main.a
def a():
    pass


def pick(table, key):
    return table[key]


def main():
    pick({"k": a}, "k")()


main()
