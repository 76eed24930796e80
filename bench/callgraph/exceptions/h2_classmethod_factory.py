# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.Fail.make
# calls: p.main.Fail.make -> p.main.Fail
# calls: p.main.main -> p.main.Fail.handle
class Fail(Exception):
    @classmethod
    def make(cls):
        return cls()

    def handle(self):
        pass


def main():
    try:
        raise Fail.make()
    except Exception as e:
        e.handle()


main()
