# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.Both
# calls: p.main.main -> p.main.Left.name
class Left:
    def name(self):
        pass


class Right:
    def name(self):
        pass


class Both(Left, Right):
    pass


def main():
    Both().name()


main()
