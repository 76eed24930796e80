# calls: p.main -> p.main.install
# calls: p.main -> p.main.run
# calls: p.main.run -> p.main.f
# calls: p.main.run -> p.main.g
def f():
    pass


def g():
    pass


handler = f


def install():
    global handler
    handler = g


def run():
    handler()


run()
install()
run()
