# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.risky
# calls: p.main.risky -> p.main.Error
# calls: p.main.main -> p.main.Error.describe
class Error(Exception):
    def describe(self):
        return "x"


def risky():
    raise Error()


def main():
    try:
        risky()
    except Error as e:
        e.describe()


main()
