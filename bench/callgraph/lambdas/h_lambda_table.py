# calls: p.main -> p.main.main
# calls: p.main -> p.main.add
def add():
    pass


def sub():
    pass


OPS = {"+": lambda: add(), "-": lambda: sub()}


def main():
    OPS["+"]()


main()
