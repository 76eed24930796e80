# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.main.f
def f():
    pass


def main():
    def f():
        pass

    f()


main()
