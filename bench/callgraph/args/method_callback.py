# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.Runner
# calls: p.main.main -> p.main.Runner.run
# calls: p.main.Runner.run -> p.main.f
class Runner:
    def run(self, fn):
        return fn()


def f():
    pass


def main():
    Runner().run(f)


main()
