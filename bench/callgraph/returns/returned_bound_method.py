# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.pick
# calls: p.main.pick -> p.main.A
# calls: p.main.main -> p.main.A.act
class A:
    def act(self):
        pass


def pick():
    return A().act


def main():
    pick()()


main()
