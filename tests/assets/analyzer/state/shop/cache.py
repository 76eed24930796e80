STORE = {}
COUNT = 0
ITEMS = []


def put(key, value):
    STORE[key] = value


def bump():
    global COUNT
    COUNT += 1


def add(item):
    ITEMS.append(item)


def get(key):
    return STORE.get(key)


def local_only():
    STORE = {}
    STORE["x"] = 1
    return STORE
