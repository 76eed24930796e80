__all__ = ["starred"]


def starred():
    return hidden()


def hidden():
    return 0
