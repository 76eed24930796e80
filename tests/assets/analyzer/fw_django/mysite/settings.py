import environ

env = environ.Env()
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ROOT_URLCONF = "mysite.urls"
WSGI_APPLICATION = "mysite.wsgi.application"
AUTH_USER_MODEL = "accounts.Member"
INSTALLED_APPS = [
    "django.contrib.auth",
    "corsheaders",
    "blog.apps.BlogConfig",
    "accounts",
]
MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware", "mysite.middleware.Timing"]
