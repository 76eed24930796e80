# calls: p.main.Service -> p.main.Util
# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.Service
# calls: p.main.main -> p.main.Service.run
# calls: p.main.Service.run -> p.main.Util.helper
class Util:
    @staticmethod
    def helper():
        pass


class Service:
    util = Util()

    def run(self):
        self.util.helper()
        Util.helper()


def main():
    Service().run()


main()
