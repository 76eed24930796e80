# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.Button
# calls: p.main.main -> p.main.Button.press
# calls: p.main.Button.press -> p.main.save
class Button:
    def __init__(self, on_click):
        self.on_click = on_click

    def press(self):
        self.on_click()


def save():
    pass


def main():
    Button(on_click=save).press()


main()
