# calls: p.main -> p.main.main
# calls: p.main.main -> p.lazy.work
# file: p/lazy.py
def work():
    pass
# file: p/main.py
def main():
    from p import lazy

    lazy.work()


main()
