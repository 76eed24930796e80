# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.run
# calls: p.main.run -> p.main.default
def default():
    pass


def other():
    pass


def run(cb=default):
    cb()


def main():
    run()


main()
