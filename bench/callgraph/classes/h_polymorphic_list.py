# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.Cat
# calls: p.main.main -> p.main.Dog
# calls: p.main.main -> p.main.Cat.speak
# calls: p.main.main -> p.main.Dog.speak
class Cat:
    def speak(self):
        pass


class Dog:
    def speak(self):
        pass


def main():
    for pet in [Cat(), Dog()]:
        pet.speak()


main()
