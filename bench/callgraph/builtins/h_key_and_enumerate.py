# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.size
# calls: p.main.main -> p.main.show
def size(x):
    return len(x)


def show():
    pass


def main():
    max(["a", "bb"], key=size)
    for _, fn in enumerate([show]):
        fn()


main()
