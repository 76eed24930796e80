"""cleave's settings: read from the environment once, typed, defaults when unset, one clear line for a bad value."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cleave.settings import VARIABLES, Settings, SettingsError


def test_defaults_when_nothing_is_set() -> None:
    settings = Settings.from_env({})
    assert settings.cache_dir == Path.home() / ".cache" / "cleave" / "oci"
    assert (settings.registry_credentials, settings.start_timeout, settings.gateway_port, settings.zygote,
            settings.isolation, settings.rootless_root, settings.gateway_router) == (
        None, 60.0, 0, True, "auto", "auto", "haproxy")


def test_every_variable_is_read() -> None:
    settings = Settings.from_env({
        "CLEAVE_CACHE_DIR": "/c", "CLEAVE_REGISTRY_USER": "me", "CLEAVE_REGISTRY_PASSWORD": "pw",
        "CLEAVE_START_TIMEOUT": "2.5", "CLEAVE_GATEWAY_PORT": "8080", "CLEAVE_RUNTIME_ZYGOTE": "0",
        "CLEAVE_RUNTIME_ISOLATION": "none", "CLEAVE_RUNTIME_ROOTLESS_ROOT": "bind",
        "CLEAVE_RUNTIME_GATEWAY": "kit"})
    assert settings == Settings(cache_dir=Path("/c"), registry_credentials=("me", "pw"), start_timeout=2.5,
                                gateway_port=8080, zygote=False, isolation="none", rootless_root="bind",
                                gateway_router="kit")
    assert len(VARIABLES) == 9
    assert "pw" not in repr(settings)  # the password never reaches a log line


def test_xdg_cache_home_is_the_fallback() -> None:
    assert Settings.from_env({"XDG_CACHE_HOME": "/x"}).cache_dir == Path("/x/cleave/oci")


def test_settings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().gateway_port = 1  # type: ignore[misc]


@pytest.mark.parametrize(("environ", "message"), [
    ({"CLEAVE_START_TIMEOUT": "soon"}, "CLEAVE_START_TIMEOUT='soon': expected a number (unset it for the default, 60)"),
    ({"CLEAVE_START_TIMEOUT": "0"}, "CLEAVE_START_TIMEOUT='0': expected a number at least 0.1"),
    ({"CLEAVE_GATEWAY_PORT": "99999"}, "CLEAVE_GATEWAY_PORT='99999': expected a whole number between 0 and 65535"),
    ({"CLEAVE_GATEWAY_PORT": "80.5"}, "CLEAVE_GATEWAY_PORT='80.5': expected a whole number"),
    ({"CLEAVE_RUNTIME_ISOLATION": "full"}, "CLEAVE_RUNTIME_ISOLATION='full': expected one of auto, none"),
    ({"CLEAVE_REGISTRY_USER": "me"}, "CLEAVE_REGISTRY_USER and CLEAVE_REGISTRY_PASSWORD must be set together"),
])
def test_a_bad_value_is_one_line_naming_the_variable(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(environ)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_the_cli_reports_a_bad_setting_as_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    cleave = str(Path(sys.executable).parent / "cleave")
    done = subprocess.run([cleave, "push", str(tmp_path), "127.0.0.1:5000/shop"], capture_output=True, text=True,
                          env={"CLEAVE_REGISTRY_USER": "me", "PATH": "/usr/bin:/bin"}, timeout=60, check=False)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: CLEAVE_REGISTRY_USER and CLEAVE_REGISTRY_PASSWORD must be set together (set both, or neither for an "
        "anonymous push)"]
