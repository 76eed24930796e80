# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.make_adder
# calls: p.main.main -> p.main.make_adder.add
def make_adder(n):
    def add(x):
        return x + n

    return add


def main():
    make_adder(1)(2)


main()
