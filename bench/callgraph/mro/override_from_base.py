# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.Child
# calls: p.main.main -> p.main.Base.run
# calls: p.main.Base.run -> p.main.Child.hook
class Base:
    def run(self):
        self.hook()

    def hook(self):
        pass


class Child(Base):
    def hook(self):
        pass


def main():
    Child().run()


main()
