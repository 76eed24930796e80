# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.Child
# calls: p.main.Child.__init__ -> p.main.Base.__init__
# calls: p.main.main -> p.main.Child.default
class Base:
    def __init__(self):
        self.action = self.default

    def default(self):
        pass


class Child(Base):
    def __init__(self):
        super().__init__()

    def default(self):
        pass


def main():
    Child().action()


main()
