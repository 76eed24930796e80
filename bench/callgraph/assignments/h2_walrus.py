# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.f
def f():
    pass


def main():
    if (fn := f):
        fn()


main()
