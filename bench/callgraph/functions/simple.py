# calls: p.main -> p.main.a
# calls: p.main.a -> p.main.b
def a():
    b()


def b():
    pass


a()
