# calls: p.main -> p.main.even
# calls: p.main.even -> p.main.odd
# calls: p.main.odd -> p.main.even
def even(n):
    return n == 0 or odd(n - 1)


def odd(n):
    return n != 0 and even(n - 1)


even(4)
