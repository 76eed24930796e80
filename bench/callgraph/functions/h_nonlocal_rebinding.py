# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.main.swap
# calls: p.main.main -> p.main.b
def a():
    pass


def b():
    pass


def main():
    fn = a

    def swap():
        nonlocal fn
        fn = b

    swap()
    fn()


main()
