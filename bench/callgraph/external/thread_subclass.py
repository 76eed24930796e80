# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.Worker
# calls: p.main.Worker.run -> p.main.work
import threading


def work():
    pass


class Worker(threading.Thread):
    def run(self):
        work()


def main():
    w = Worker()
    w.start()


main()
