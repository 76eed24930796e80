from shop import cache
from shop.cache import COUNT


def read():
    return cache.STORE, COUNT


def reset():
    cache.COUNT = 0
