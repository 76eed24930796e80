# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.Outer
# calls: p.main.main -> p.main.Outer.make
# calls: p.main.Outer.make -> p.main.Outer.Inner
# calls: p.main.main -> p.main.Outer.Inner.go
class Outer:
    class Inner:
        def go(self):
            pass

    def make(self):
        return self.Inner()


def main():
    Outer().make().go()


main()
