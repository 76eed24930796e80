from app import util

run = util.helper


def go():
    return run()
