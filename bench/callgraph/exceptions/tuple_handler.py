# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.fail
# calls: p.main.fail -> p.main.A
# calls: p.main.fail -> p.main.B
# calls: p.main.main -> p.main.A.code
# calls: p.main.main -> p.main.B.code
class A(Exception):
    def code(self):
        return 1


class B(Exception):
    def code(self):
        return 2


def fail(flag):
    if flag:
        raise A()
    raise B()


def main():
    try:
        fail(True)
    except (A, B) as err:
        err.code()


main()
