"""Django settings for an edge service: the app's own settings (``CLEAVE_DJANGO_SETTINGS``), with
``DATABASES['default']`` pointed at the shared database the runtime provisioned (see :mod:`cleave_kit.edge`)."""

from __future__ import annotations

import importlib
import os
from typing import Any

from .edge import SETTINGS_VARIABLE, django_database

_original = importlib.import_module(os.environ[SETTINGS_VARIABLE])
globals().update({name: getattr(_original, name) for name in dir(_original) if name.isupper()})
_databases: dict[str, Any] = dict(getattr(_original, "DATABASES", {}) or {})
_databases["default"] = django_database(os.environ, dict(_databases.get("default", {})))
DATABASES = _databases
