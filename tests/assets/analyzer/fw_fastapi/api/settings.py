from decouple import config

DATABASE_URL = config("DATABASE_URL", default="sqlite:///./api.db")


def health(request):
    return None
