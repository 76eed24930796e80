def gen():
    yield 1


def take_callable(fn):
    return fn


def take_file(fh):
    return fh


def take_generator(items):
    return list(items)


def handler():
    return None


def work():
    take_callable(lambda: 1)
    take_callable(handler)
    with open("x") as fh:
        take_file(fh)
    take_generator(gen())
    take_generator(x for x in range(3))
