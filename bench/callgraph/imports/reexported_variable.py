# calls: p.main -> p.main.main
# calls: p.main.main -> p.impl.real
# file: p/impl.py
def real():
    pass


handler = real
# file: p/__init__.py
from .impl import handler
# file: p/main.py
import p


def main():
    p.handler()


main()
