# calls: p.main -> p.main.main
# calls: p.main.main -> p.util.helper
# file: p/util.py
def helper():
    pass
# file: p/main.py
from p.util import helper


def main():
    helper()


main()
