# calls: p.api -> p.deco.wrap
# calls: p.main -> p.main.main
# calls: p.main.main -> p.deco.wrap.inner
# calls: p.deco.wrap.inner -> p.api.endpoint
# file: p/deco.py
def wrap(fn):
    def inner():
        return fn()

    return inner
# file: p/api.py
from p.deco import wrap


@wrap
def endpoint():
    pass
# file: p/main.py
from p.api import endpoint


def main():
    endpoint()


main()
