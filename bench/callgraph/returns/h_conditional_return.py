# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.choose
# calls: p.main.main -> p.main.a
# calls: p.main.main -> p.main.b
def a():
    pass


def b():
    pass


def choose(flag):
    if flag:
        return a
    return b


def main():
    choose(True)()
    choose(False)()


main()
