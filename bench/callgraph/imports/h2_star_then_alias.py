# calls: p.main -> p.main.main
# calls: p.main.main -> p.a.one
# file: p/a.py
def one():
    pass


__all__ = ["one"]
# file: p/b.py
from p.a import *

two = one
# file: p/main.py
from p import b


def main():
    b.two()


main()
