# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.D
# calls: p.main.main -> p.main.D.go
# calls: p.main.D.go -> p.main.B.go
# calls: p.main.B.go -> p.main.C.go
# calls: p.main.C.go -> p.main.A.go
class A:
    def go(self):
        pass


class B(A):
    def go(self):
        super().go()


class C(A):
    def go(self):
        super().go()


class D(B, C):
    def go(self):
        super().go()


def main():
    D().go()


main()
