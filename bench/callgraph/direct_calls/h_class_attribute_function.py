# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.f
def f():
    pass


class Config:
    hook = f


def main():
    Config.hook()


main()
