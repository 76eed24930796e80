# calls: p.main -> p.main.singleton
# calls: p.main.singleton -> p.main.Service
# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.Service.start
def singleton(cls):
    return cls()


@singleton
class Service:
    def start(self):
        pass


def main():
    Service.start()


main()
