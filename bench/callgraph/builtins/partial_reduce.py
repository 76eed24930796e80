# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.add
import functools


def add(a, b):
    return a + b


def main():
    inc = functools.partial(add, 1)
    inc(2)
    functools.reduce(add, [1, 2, 3])


main()
