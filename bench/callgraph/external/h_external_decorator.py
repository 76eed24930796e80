# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.cached
import functools


@functools.lru_cache(maxsize=None)
def cached(x):
    return x


def main():
    cached(1)


main()
