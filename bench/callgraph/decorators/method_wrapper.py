# calls: p.main.A -> p.main.logged
# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.A
# calls: p.main.main -> p.main.logged.wrapper
# calls: p.main.logged.wrapper -> p.main.A.run
def logged(fn):
    def wrapper(self):
        return fn(self)

    return wrapper


class A:
    @logged
    def run(self):
        pass


def main():
    A().run()


main()
