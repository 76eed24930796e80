"""cleave's configuration in one place: one typed, frozen object, read once from the environment, then defaults.

The CLI reads it once (``Settings.from_env()``) and passes it down to the stages' facades; a stage called as a
library without one reads the environment itself through the same function, so there is one spelling of every
variable and one error for a bad value. The service kit (``packager/kit``) is the exception: it runs inside the
images, imports nothing of cleave, and reads its own ``CLEAVE_LISTEN``/``CLEAVE_*_TIMEOUT`` variables.

========================================  ==========================  ====================================
variable                                  field                       default
========================================  ==========================  ====================================
``CLEAVE_CACHE_DIR``                      ``cache_dir``               ``$XDG_CACHE_HOME/cleave/oci``
``CLEAVE_REGISTRY_USER`` / ``_PASSWORD``  ``registry_credentials``    none (anonymous push)
``CLEAVE_START_TIMEOUT``                  ``start_timeout``           60 seconds
``CLEAVE_GATEWAY_PORT``                   ``gateway_port``            0 (any free port)
``CLEAVE_RUNTIME_ZYGOTE``                 ``zygote``                  on (``0`` turns it off)
``CLEAVE_RUNTIME_ISOLATION``              ``isolation``               ``auto`` (``none`` turns it off)
``CLEAVE_RUNTIME_ROOTLESS_ROOT``          ``rootless_root``           ``auto`` (or ``bind``)
``CLEAVE_RUNTIME_GATEWAY``                ``gateway_router``          ``haproxy`` (or ``kit``)
========================================  ==========================  ====================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from cleave.errors import CleaveError

CACHE_DIR: Final = "CLEAVE_CACHE_DIR"
REGISTRY_USER: Final = "CLEAVE_REGISTRY_USER"
REGISTRY_PASSWORD: Final = "CLEAVE_REGISTRY_PASSWORD"
START_TIMEOUT: Final = "CLEAVE_START_TIMEOUT"
GATEWAY_PORT: Final = "CLEAVE_GATEWAY_PORT"
ZYGOTE: Final = "CLEAVE_RUNTIME_ZYGOTE"
ISOLATION: Final = "CLEAVE_RUNTIME_ISOLATION"
ROOTLESS_ROOT: Final = "CLEAVE_RUNTIME_ROOTLESS_ROOT"
GATEWAY_ROUTER: Final = "CLEAVE_RUNTIME_GATEWAY"

VARIABLES: Final = (CACHE_DIR, REGISTRY_USER, REGISTRY_PASSWORD, START_TIMEOUT, GATEWAY_PORT, ZYGOTE, ISOLATION,
                    ROOTLESS_ROOT, GATEWAY_ROUTER)
"""Every variable :meth:`Settings.from_env` reads."""


class SettingsError(CleaveError):
    """An environment variable with a value cleave cannot use (names the variable and what it takes)."""


@dataclass(frozen=True)
class Settings:
    """Everything the environment can change about cleave, with its defaults."""

    cache_dir: Path = field(default_factory=lambda: _default_cache_dir({}))
    """Where image layers are cached between builds (shared by every build of this user)."""
    registry_credentials: tuple[str, str] | None = field(default=None, repr=False)
    """``(user, password)`` for ``cleave push`` (HTTP basic auth), or None for anonymous."""
    start_timeout: float = 60.0
    """Seconds a replica has to start listening before the runtime gives up on it."""
    gateway_port: int = 0
    """The TCP port the gateway binds on 127.0.0.1 (0: any free port)."""
    zygote: bool = True
    """Whether the runtime forks Python replicas from a preloaded zygote (faster starts)."""
    isolation: str = "auto"
    """``auto`` (namespaces and cgroups where the machine allows) or ``none``."""
    rootless_root: str = "auto"
    """How a rootless runtime builds a replica's root: ``auto`` or ``bind``."""
    gateway_router: str = "haproxy"
    """What routes the gateway's requests: ``haproxy`` (when installed) or the kit's own router (``kit``)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings from ``environ`` (default: this process's environment), defaults for what is unset.

        A value cleave cannot use is a :class:`SettingsError` naming the variable and what it takes.
        """
        env = os.environ if environ is None else environ
        user, password = env.get(REGISTRY_USER), env.get(REGISTRY_PASSWORD)
        if bool(user) != bool(password):
            raise SettingsError(f"{REGISTRY_USER} and {REGISTRY_PASSWORD} must be set together",
                                hint="set both, or neither for an anonymous push")
        return cls(
            cache_dir=_default_cache_dir(env),
            registry_credentials=(user, password) if user and password else None,
            start_timeout=_number(env, START_TIMEOUT, 60.0, minimum=0.1),
            gateway_port=int(_number(env, GATEWAY_PORT, 0, minimum=0, maximum=65535, whole=True)),
            zygote=env.get(ZYGOTE, "1").strip() != "0",
            isolation=_choice(env, ISOLATION, ("auto", "none")),
            rootless_root=_choice(env, ROOTLESS_ROOT, ("auto", "bind")),
            gateway_router=_choice(env, GATEWAY_ROUTER, ("haproxy", "kit")),
        )


def _default_cache_dir(env: Mapping[str, str]) -> Path:
    if env.get(CACHE_DIR):
        return Path(env[CACHE_DIR])
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cleave" / "oci"


def _number(env: Mapping[str, str], name: str, default: float, *, minimum: float,
            maximum: float | None = None, whole: bool = False) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    kind = "a whole number" if whole else "a number"
    try:
        value = float(int(raw)) if whole else float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: expected {kind}", hint=f"unset it for the default, {default:g}"
                            ) from None
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum:g} and {maximum:g}" if maximum is not None else f"at least {minimum:g}"
        raise SettingsError(f"{name}={raw!r}: expected {kind} {bounds}", hint=f"unset it for the default, {default:g}")
    return value


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name, "").strip() or allowed[0]
    if value not in allowed:
        raise SettingsError(f"{name}={value!r}: expected one of {', '.join(allowed)}",
                            hint=f"unset it for the default, {allowed[0]}")
    return value
