# calls: p.main -> p.main.setup
import atexit


def cleanup():
    pass


def setup():
    atexit.register(cleanup)


setup()
