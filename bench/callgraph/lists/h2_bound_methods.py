# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.Svc
# calls: p.main.main -> p.main.Svc.start
# calls: p.main.main -> p.main.Svc.stop
class Svc:
    def start(self):
        pass

    def stop(self):
        pass


def main():
    s = Svc()
    for step in [s.start, s.stop]:
        step()


main()
