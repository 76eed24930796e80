# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.double
# calls: p.main.main -> p.main.keep
# calls: p.main.main -> p.main.key
def double(x):
    return x * 2


def keep(x):
    return x > 1


def key(x):
    return -x


def main():
    xs = list(map(double, [1, 2]))
    ys = list(filter(keep, xs))
    return sorted(ys, key=key)


main()
