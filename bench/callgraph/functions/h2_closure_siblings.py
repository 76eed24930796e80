# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.counter
# calls: p.main.main -> p.main.counter.inc
# calls: p.main.counter.inc -> p.main.counter.step
def counter():
    def inc():
        return step()

    def step():
        return 1

    return inc


def main():
    counter()()


main()
