# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.A
# calls: p.main.main -> p.main.A.run
class A:
    def run(self):
        pass


def main():
    getattr(A(), "run")()


main()
