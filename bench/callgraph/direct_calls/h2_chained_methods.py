# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.Q
# calls: p.main.main -> p.main.Q.filter
# calls: p.main.main -> p.main.Q.all
class Q:
    def filter(self):
        return self

    def all(self):
        return [1]


def main():
    Q().filter().filter().all()


main()
