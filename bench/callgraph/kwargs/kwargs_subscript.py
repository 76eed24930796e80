# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.run
# calls: p.main.run -> p.main.f
def f():
    pass


def run(**options):
    options["hook"]()


def main():
    run(hook=f)


main()
