# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.main.helper
def main():
    def helper():
        pass

    helper()


main()
