"""The grammar of every field of ``topology.json``: a table from field name to check, so a new field slots in with
one line (a field without a rule is refused by :func:`validate_document`, so none is trusted by accident).

Everything here comes from an artifact, so nothing is trusted: names become file and cgroup names, container paths
become mount points, layout paths are opened under the build folder. A check returns ``None`` when the value is
good, else what is wrong; the caller names the entry (``services[2].data_dir``) and the file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from cleave.formats.errors import FormatError

Check = Callable[[Any], "str | None"]

NAME: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?")
IMAGE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/-]{0,254}")
PROJECT: Final = re.compile(r"(?!\.\.?$)[^/\x00-\x1f\x7f]{1,255}")
DIGEST: Final = re.compile(r"sha256:[0-9a-f]{64}")
ENV_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,255}")
USER: Final = re.compile(r"(?:[0-9]{1,10}|[a-z_][a-z0-9_-]{0,31})(?::(?:[0-9]{1,10}|[a-z_][a-z0-9_-]{0,31}))?")
HTTP_PATH: Final = re.compile(r"/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]{0,1023}")
COMPONENT: Final = re.compile(r"[A-Za-z0-9_.+@=-]{1,255}")
RESERVED_INSIDE: Final = ("/proc", "/dev", "/sys", "/run/cleave", "/tmp")
MAX_REPLICAS: Final = 1000


def _components(value: str) -> list[str] | None:
    parts = value.split("/")
    if any(part in (".", "..") or not COMPONENT.fullmatch(part) for part in parts):
        return None
    return parts


def relative_path(value: Any) -> str | None:
    """A path under the build folder: relative, plain components, no ``.``/``..``, no empty parts."""
    if not isinstance(value, str) or not value or len(value) > 1024:
        return "must be a non-empty relative path"
    if value.startswith("/") or _components(value) is None:
        return "must be a relative path of plain names under the build folder (no '/', '..' or '.' parts)"
    return None


def container_path(value: Any) -> str | None:
    """An absolute path inside the replica: ``/`` then plain components."""
    if not isinstance(value, str) or not value.startswith("/") or len(value) > 1024:
        return "must be an absolute path inside the container"
    if value != "/" and _components(value[1:].rstrip("/")) is None:
        return "must be '/' followed by plain names (no '..', '.', empty parts or odd characters)"
    return None


def data_dir(value: Any) -> str | None:
    problem = container_path(value)
    if problem:
        return problem
    clean = value.rstrip("/") or "/"
    if clean == "/" or any(clean == r or clean.startswith(r + "/") for r in RESERVED_INSIDE):
        return f"must not be '/' or under {', '.join(RESERVED_INSIDE)} (the runtime mounts those)"
    return None


def pattern(regex: re.Pattern[str], what: str, *, optional: bool = False) -> Check:
    def check(value: Any) -> str | None:
        if optional and value is None:
            return None
        if isinstance(value, str) and regex.fullmatch(value):
            return None
        return f"must be {what}"
    return check


def integer(low: int, high: int) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            return f"must be a whole number from {low} to {high}"
        return None
    return check


def optional_number(low: float, high: float, *, whole: bool = False) -> Check:
    def check(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or (whole and not isinstance(value, int)):
            return f"must be {'a whole number' if whole else 'a number'} from {low:g} to {high:g}, or null"
        if not math.isfinite(value) or not low <= value <= high:
            return f"must be from {low:g} to {high:g}, or null"
        return None
    return check


def string_list(item: Check, *, non_empty: bool = False) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, list | tuple) or (non_empty and not value):
            return "must be a list" + (" with at least one item" if non_empty else "")
        for index, element in enumerate(value):
            problem = item(element)
            if problem:
                return f"item {index} ({str(element)[:60]!r}) {problem}"
        return None
    return check


def plain_string(value: Any) -> str | None:
    if not isinstance(value, str) or "\x00" in value or len(value) > 65536:
        return "must be a string without NUL, at most 64 KiB"
    return None


def environment(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return "must be an object of NAME: value"
    for key, item in value.items():
        if not isinstance(key, str) or not ENV_NAME.fullmatch(key):
            return f"has an invalid variable name {str(key)[:60]!r}"
        if plain_string(item):
            return f"{key}: {plain_string(item)}"
    return None


def resources(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return "must be an object"
    for key, item in value.items():
        rule = RESOURCE_RULES.get(key)
        if rule is None:
            return f"has an unknown limit {str(key)[:40]!r} (known: {', '.join(sorted(RESOURCE_RULES))})"
        problem = rule(item)
        if problem:
            return f"{key} {problem}"
    return None


RESOURCE_RULES: Final[dict[str, Check]] = {
    "cpu": optional_number(0.001, 1024),
    "memory_bytes": optional_number(4 << 20, 1 << 50, whole=True),
    "pids": optional_number(1, 4_194_304, whole=True),
    "disk": optional_number(16 << 20, 1 << 50, whole=True),
}

METHOD: Final = re.compile(r"[A-Z]{1,16}")
SECRET_REF: Final = re.compile(r"env:[A-Za-z_][A-Za-z0-9_]{0,255}|file:/[^\x00]{1,4095}")


def one_of(*choices: str) -> Check:
    def check(value: Any) -> str | None:
        return None if value in choices else f"must be one of {', '.join(choices)}"
    return check


def optional(rule: Check) -> Check:
    def check(value: Any) -> str | None:
        return None if value is None else rule(value)
    return check


def record(rules: Mapping[str, Check], required: tuple[str, ...] = ()) -> Check:
    """An object whose fields each have a rule (the same table-driven check, one level down)."""
    def check(value: Any) -> str | None:
        if not isinstance(value, Mapping):
            return "must be an object"
        for key in required:
            if key not in value:
                return f"lacks {key!r}"
        for key, item in value.items():
            rule = rules.get(key)
            if rule is None:
                return f"has an unknown field {str(key)[:40]!r} (known: {', '.join(sorted(rules))})"
            problem = rule(item)
            if problem:
                return f"{key} {problem}"
        return None
    return check


def regex(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 4096:
        return "must be a regular expression of at most 4096 characters"
    try:
        re.compile(value)
    except re.error as error:
        return f"is not a valid regular expression ({error})"
    return None


def secret_env(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return "must be an object of NAME: env:VARIABLE or file:/absolute/path"
    for key, item in value.items():
        if not isinstance(key, str) or not ENV_NAME.fullmatch(key):
            return f"has an invalid variable name {str(key)[:60]!r}"
        if not isinstance(item, str) or not SECRET_REF.fullmatch(item):
            return f"{key} must be env:VARIABLE or file:/absolute/path"
        if item.startswith("file:") and (container_path(item[5:]) or item[5:].startswith(("/proc/", "/sys/", "/dev/"))):
            return f"{key}: the file must be a plain absolute path outside /proc, /sys and /dev"
    return None


SERVICE_NAME_RULE: Final = pattern(NAME, "a service name: letters, digits, '-' and '_', at most 63, no dots or slashes")
ROUTE_RULE: Final = record({
    "methods": string_list(pattern(METHOD, "an upper-case HTTP method")),
    "regex": regex,
    "prefix": lambda value: None if value == "" else pattern(HTTP_PATH, "an HTTP path prefix or empty")(value),
    "service": lambda value: None if value == "" else SERVICE_NAME_RULE(value),
}, required=("regex",))
VOLUME_RULE: Final = record({"name": SERVICE_NAME_RULE, "target": data_dir}, required=("name", "target"))
DATABASE_RULE: Final = record({
    "engine": one_of("sqlite", "postgresql"),
    "services": string_list(SERVICE_NAME_RULE),
    "volume": optional(SERVICE_NAME_RULE),
    "file": optional(relative_path),
    # where the runtime mounts the managed PostgreSQL's socket inside a replica: always its socket folder
    "socket_dir": optional(one_of("/run/cleave")),
    "name": SERVICE_NAME_RULE,
}, required=("engine",))
INIT_RULE: Final = record({"service": SERVICE_NAME_RULE, "command": string_list(plain_string, non_empty=True)},
                          required=("service", "command"))

SERVICE_RULES: Final[dict[str, Check]] = {
    "name": SERVICE_NAME_RULE,
    "image": pattern(IMAGE, "an image name of letters, digits and ._:@/- (at most 255)"),
    "manifest_digest": lambda value: None if value == "" else pattern(DIGEST, "sha256:<64 lower-case hex digits> "
                                                                      "(or empty for a build without images)")(value),
    "source_dir": relative_path,
    "command": string_list(plain_string),
    "env": environment,
    "workdir": container_path,
    "user": pattern(USER, "uid[:gid] or user[:group] (names as in /etc/passwd)"),
    "replicas": integer(0, MAX_REPLICAS),
    "resources": resources,
    "calls": string_list(pattern(NAME, "a service name")),
    "health_path": pattern(HTTP_PATH, "an HTTP path starting with '/'"),
    "data_dir": data_dir,
    "seam": one_of("interior", "edge"),
    "routes": string_list(ROUTE_RULE),
    "volumes": string_list(VOLUME_RULE),
    "resources_needed": string_list(pattern(NAME, "a resource name (e.g. database)")),
    "secret_env": secret_env,
}

TOP_RULES: Final[dict[str, Check]] = {
    "format": lambda value: None,
    "project": pattern(PROJECT, "a project name: at most 255 printable characters, no '/', not '.' or '..'"),
    "gateway": pattern(NAME, "a service name or null", optional=True),
    "oci_layout": relative_path,
    "services": lambda value: None if isinstance(value, list) else "must be a list",
    "gateway_routes": string_list(ROUTE_RULE),
    "fallback": optional(SERVICE_NAME_RULE),
    "database": optional(DATABASE_RULE),
    "init": optional(INIT_RULE),
}


def _apply(rules: Mapping[str, Check], item: Mapping[str, Any], where: str, origin: str) -> None:
    for key, value in item.items():
        rule = rules.get(key)
        if rule is None:
            raise FormatError(f"{where}{key}: unknown field (known: {', '.join(sorted(rules))})", path=origin,
                              hint="run `cleave build` with this cleave version")
        problem = rule(value)
        if problem:
            shown = "" if isinstance(value, Mapping | list) else f" (it is {str(value)[:80]!r})"
            raise FormatError(f"{where}{key} {problem}{shown}", path=origin,
                              hint="the build is corrupt or hand-edited: run `cleave build` again")


def validate_document(document: Mapping[str, Any], origin: str) -> None:
    """Check every field of a topology document against the tables above; raises one :class:`FormatError`."""
    _apply(TOP_RULES, document, "", origin)
    for index, item in enumerate(document.get("services") or ()):
        if not isinstance(item, Mapping):
            raise FormatError(f"services[{index}] must be an object", path=origin)
        _apply(SERVICE_RULES, item, f"services[{index}].", origin)
