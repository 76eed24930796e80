# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.get
# calls: p.main.main -> p.main.f
def f():
    pass


def get():
    return f


def main():
    fn = get()
    fn()


main()
