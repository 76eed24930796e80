# calls: p.main -> p.main.main
# calls: p.main.main -> p.main.Model
# calls: p.main.main -> p.main.LogMixin.save
# calls: p.main.LogMixin.save -> p.main.Base.save
class Base:
    def save(self):
        pass


class LogMixin:
    def save(self):
        super().save()


class Model(LogMixin, Base):
    pass


def main():
    Model().save()


main()
