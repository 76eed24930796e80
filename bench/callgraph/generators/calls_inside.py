# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.numbers
# calls: p.main.numbers -> p.main.work
def work():
    return 1


def numbers():
    for _ in range(3):
        yield work()


def main():
    return sum(numbers())


main()
