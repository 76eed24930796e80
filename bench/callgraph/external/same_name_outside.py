# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.join
import os


def join(*parts):
    return "/".join(parts)


def main():
    os.path.join("a", "b")
    join("a")


main()
