# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.make
# calls: p.main.make -> p.main.A
# calls: p.main.main -> p.main.A.act
class A:
    def act(self):
        pass


def make():
    return A()


def main():
    make().act()


main()
