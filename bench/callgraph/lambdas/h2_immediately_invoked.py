# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.f
def f():
    return 1


def main():
    return (lambda g: g())(f)


main()
