# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.Pipeline
# calls: p.main.main -> p.main.clean
class Pipeline:
    def __init__(self, steps):
        self.steps = steps

    def __iter__(self):
        yield from self.steps


def clean():
    pass


def main():
    for step in Pipeline([clean]):
        step()


main()
