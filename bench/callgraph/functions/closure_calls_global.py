# calls: p.main -> p.main.outer
# calls: p.main.outer -> p.main.outer.inner
# calls: p.main.outer.inner -> p.main.helper
def outer():
    def inner():
        helper()

    inner()


def helper():
    pass


outer()
