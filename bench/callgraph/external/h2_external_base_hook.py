# calls: p.main -> p.main.main
# calls: p.main.Enc.default -> p.main.helper
import json


class Enc(json.JSONEncoder):
    def default(self, o):
        return helper(o)


def helper(o):
    return str(o)


def main():
    return json.dumps({}, cls=Enc)


main()
