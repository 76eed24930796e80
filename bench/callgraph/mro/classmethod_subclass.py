# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.Model.create
# calls: p.main.Model.create -> p.main.User
class Model:
    @classmethod
    def create(cls):
        return cls()


class User(Model):
    pass


def main():
    User.create()


main()
