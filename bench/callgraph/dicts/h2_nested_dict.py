# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.a
def a():
    pass


ROUTES = {"api": {"get": a}}


def main():
    ROUTES["api"]["get"]()


main()
