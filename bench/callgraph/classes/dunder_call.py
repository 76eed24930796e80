# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.Command
# calls: p.main.main -> p.main.Command.__call__
class Command:
    def __call__(self):
        pass


def main():
    cmd = Command()
    cmd()


main()
