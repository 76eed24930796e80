# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.lookup
# calls: p.main.lookup -> p.main.error
# calls: p.main.error -> p.main.NotFound
class NotFound(Exception):
    pass


def error():
    return NotFound("x")


def lookup():
    raise error()


def main():
    try:
        lookup()
    except NotFound:
        pass


main()
