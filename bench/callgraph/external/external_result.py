# calls: p.main -> p.main.handle
# calls: p.main.handle -> p.main.parse
import json


def parse(text):
    return json.loads(text)


def handle():
    return parse("{}")


handle()
