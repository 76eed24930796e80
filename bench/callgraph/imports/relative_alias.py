# calls: p.main -> p.main.main
# calls: p.main.main -> p.sub.tools.tool
# file: p/sub/__init__.py
# file: p/sub/tools.py
def tool():
    pass
# file: p/main.py
from .sub import tools as t


def main():
    t.tool()


main()
