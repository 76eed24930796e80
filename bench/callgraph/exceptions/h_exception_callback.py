# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.step
# calls: p.main.step -> p.main.Retry
# calls: p.main.main -> p.main.again
class Retry(Exception):
    def __init__(self, action):
        super().__init__()
        self.action = action


def again():
    pass


def step():
    raise Retry(again)


def main():
    try:
        step()
    except Retry as r:
        r.action()


main()
