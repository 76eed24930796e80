class Base:
    def save(self):
        return 1

    def validate(self):
        return True


class Mixin:
    def log(self):
        return None
