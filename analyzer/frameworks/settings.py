"""Framework wiring written as strings: Django settings (``ROOT_URLCONF``, ``INSTALLED_APPS``, ``MIDDLEWARE``,
``AUTHENTICATION_BACKENDS``, ``WSGI_APPLICATION``, ...), ``DJANGO_SETTINGS_MODULE``, ``include("app.urls")``,
``import_string("a.b.C")``: ``imports`` edges with ``string: true`` (or ``uses_package`` for third-party apps
such as ``corsheaders``)."""

from __future__ import annotations

from typing import Final

from analyzer import facts as F
from analyzer.frameworks.common import Context, call_of, items, site_call, text

PATH_SETTINGS: Final = frozenset({
    "ROOT_URLCONF", "INSTALLED_APPS", "MIDDLEWARE", "MIDDLEWARE_CLASSES", "AUTHENTICATION_BACKENDS",
    "WSGI_APPLICATION", "ASGI_APPLICATION", "TEST_RUNNER", "SESSION_ENGINE", "EMAIL_BACKEND",
    "DEFAULT_FILE_STORAGE", "STATICFILES_STORAGE", "PASSWORD_HASHERS", "AUTH_PASSWORD_VALIDATORS",
    "CELERY_IMPORTS", "FLASK_APP", "CSRF_FAILURE_VIEW", "LOGIN_URL_RESOLVER", "DATABASE_ROUTERS",
    "SERIALIZATION_MODULES", "FORM_RENDERER", "MESSAGE_STORAGE", "SESSION_SERIALIZER",
})
"""Settings whose strings name importable things (third-party ones become packages)."""


def apply(ctx: Context) -> None:
    """String imports from settings, URL includes, import_string and DJANGO_SETTINGS_MODULE."""
    for module, file in ctx.files.items():
        for setting in file.settings:
            known = setting.name in PATH_SETTINGS
            for value in setting.values:
                ctx.string_import(module, value, setting.line, package=known)
            if setting.name == "AUTH_USER_MODEL" and setting.values:
                ctx.meta.setdefault("auth_user_model", setting.values[0])
            if setting.name == "INSTALLED_APPS":
                ctx.meta.setdefault("settings_module", module)
    for module, site in ctx.sites():
        call = site_call(site)
        if call.name.endswith("environ.setdefault") and text(call.arg(0)) == "DJANGO_SETTINGS_MODULE":
            target = text(call.arg(1))
            if target and ctx.string_import(module, target, site.line, package=False):
                ctx.meta["settings_module"] = target
        elif call.last == "import_string":
            target = text(call.arg(0))
            if target:
                ctx.string_import(module, target, site.line, package=True)
        else:
            _includes(ctx, module, site.line, call.args)


def _includes(ctx: Context, module: str, line: int, values: tuple[F.Value, ...]) -> None:
    """``include("app.urls")`` anywhere in a URL pattern's arguments."""
    for value in values:
        inner = call_of(value)
        if inner is None:
            if value[0] == "l":
                _includes(ctx, module, line, items(value))
            continue
        if inner.last == "include":
            first = inner.arg(0)
            target = text(first)
            if target is None and first is not None and first[0] == "l":
                target = text(items(first)[0]) if items(first) else None
            if target:
                ctx.string_import(module, target, line, package=False)
        _includes(ctx, module, line, inner.args + tuple(v for _, v in inner.kwargs))
