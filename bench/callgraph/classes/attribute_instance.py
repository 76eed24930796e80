# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.Car
# calls: p.main.main -> p.main.Car.drive
# calls: p.main.Car.__init__ -> p.main.Engine
# calls: p.main.Car.drive -> p.main.Engine.start
class Engine:
    def start(self):
        pass


class Car:
    def __init__(self):
        self.engine = Engine()

    def drive(self):
        self.engine.start()


def main():
    Car().drive()


main()
