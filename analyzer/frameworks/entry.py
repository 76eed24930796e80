"""Where the monolith's web app starts: ``meta.entry_candidates`` from Procfile, ``.flaskenv``/``.env``
(``FLASK_APP``), Django's ``WSGI_APPLICATION``/``ASGI_APPLICATION``, Dockerfiles and boot scripts (gunicorn,
uvicorn, hypercorn, daphne, waitress, ``flask --app``), then app objects in the code (``app = Flask(...)``,
``FastAPI()``, a ``create_app`` factory) when no file names one."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any, Final

from analyzer.frameworks.common import Context, site_call

_FILES: Final = ("Procfile", ".flaskenv", ".env", "Dockerfile", "docker-entrypoint.sh", "entrypoint.sh", "start.sh",
                 "run.sh", "boot.sh", "app.yaml", "fly.toml", "gunicorn.conf.py")
_SERVERS: Final = {"gunicorn": "wsgi", "waitress-serve": "wsgi", "uwsgi": "wsgi", "uvicorn": "asgi",
                   "hypercorn": "asgi", "daphne": "asgi", "granian": "asgi"}
_TARGET: Final = re.compile(r"^[A-Za-z_][\w.]*(:[A-Za-z_][\w.]*(\(\))?)?$")
_FLASK_APP: Final = re.compile(r"FLASK_APP\s*=\s*[\"']?([\w.:()]+)")
_APP_KINDS: Final = {"Flask": ("flask", "wsgi"), "Quart": ("flask", "asgi"), "FastAPI": ("fastapi", "asgi"),
                     "Starlette": ("starlette", "asgi")}


def _files(root: Path) -> list[Path]:
    found = [root / name for name in _FILES]
    found += sorted(root.glob("Dockerfile.*")) + sorted(root.glob("*.sh")) + sorted(root.glob("bin/*"))
    found += sorted(root.glob("scripts/*.sh"))
    seen: set[Path] = set()
    return [p for p in found if p.is_file() and not (p in seen or seen.add(p))]  # type: ignore[func-returns-value]


def _from_command(words: list[str]) -> tuple[str, str] | None:
    """(target, kind) of a server command line, e.g. ``gunicorn -w 4 app.wsgi:application``."""
    for index, word in enumerate(words):
        server, at = word.rsplit("/", 1)[-1], index
        if server in ("python", "python3") and words[at + 1: at + 3][:1] == ["-m"] and len(words) > at + 2:
            server, at = words[at + 2], at + 2
        if server == "flask":
            for place, arg in enumerate(words[at + 1:], at + 1):
                if arg in ("--app", "-A") and place + 1 < len(words):
                    return words[place + 1], "wsgi"
                if arg.startswith("--app="):
                    return arg.split("=", 1)[1], "wsgi"
        kind = _SERVERS.get(server)
        if kind is None:
            continue
        rest = words[at + 1:]
        skip = False
        for arg in rest:
            if skip:
                skip = False
                continue
            if arg.startswith("-"):
                skip = "=" not in arg and arg not in ("--reload", "--preload", "--factory", "--proxy-headers")
                continue
            if _TARGET.match(arg) and (":" in arg or "." in arg):
                return arg, kind
        return None
    return None


def _normalise(target: str) -> str:
    """``pkg.wsgi`` -> ``pkg.wsgi:application``; ``app:create_app()`` kept."""
    return target if ":" in target else f"{target}:application" if target.endswith("wsgi") else f"{target}:app"


def from_files(root: Path) -> list[dict[str, Any]]:
    """Candidates named by the files beside the code."""
    found: list[dict[str, Any]] = []
    for path in _files(root):
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for number, line in enumerate(lines, 1):
            evidence = f"{path.relative_to(root)}:{number}"
            match = _FLASK_APP.search(line)
            if match:
                found.append({"target": _normalise(match.group(1)), "kind": "wsgi", "framework": "flask",
                              "evidence": evidence})
                continue
            command = line.split(":", 1)[1] if path.name == "Procfile" and ":" in line else line
            command = command.replace("[", " ").replace("]", " ").replace('"', " ").replace(",", " ")
            try:
                words = shlex.split(command, comments=True)
            except ValueError:
                continue
            hit = _from_command(words)
            if hit is not None:
                found.append({"target": _normalise(hit[0]), "kind": hit[1], "framework": None,
                              "evidence": evidence})
    return found


def from_settings(ctx: Context) -> list[dict[str, Any]]:
    """Candidates from Django's ``WSGI_APPLICATION`` / ``ASGI_APPLICATION``."""
    found: list[dict[str, Any]] = []
    for file in ctx.files.values():
        for setting in file.settings:
            if setting.name in ("WSGI_APPLICATION", "ASGI_APPLICATION") and setting.values:
                where, _, attr = setting.values[0].rpartition(".")
                found.append({"target": f"{where}:{attr}", "kind": setting.name[:4].lower(), "framework": "django",
                              "evidence": f"{file.file}:{setting.line}"})
    return found


def from_code(ctx: Context) -> list[dict[str, Any]]:
    """Candidates from app objects made in the code (``app = Flask(...)``, a ``create_app`` factory)."""
    found: list[dict[str, Any]] = []
    for module, site in ctx.sites(*_APP_KINDS):
        framework, kind = _APP_KINDS[site_call(site).last]
        if not site.target:
            continue
        if site.scope and "." not in site.scope:
            target = f"{module}:{site.scope}()"
        elif not site.scope:
            target = f"{module}:{site.target}"
        else:
            continue
        found.append({"target": target, "kind": kind, "framework": framework,
                      "evidence": f"{ctx.file(module)}:{site.line}"})
    return found


def candidates(ctx: Context, root: Path | None) -> list[dict[str, Any]]:
    """What files and settings name; only when they name nothing, the app objects in the code. One per target."""
    strong = _known(ctx, (from_files(root) if root is not None else []) + from_settings(ctx))
    return strong or _known(ctx, from_code(ctx))


def _known(ctx: Context, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for item in found:
        module = item["target"].split(":")[0]
        if ctx.module_named(module) != module:
            continue
        if item["framework"] is None:
            item["framework"] = ctx.meta.get("framework")
        out.setdefault(item["target"], item)
    return list(out.values())
