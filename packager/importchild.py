"""The program packager/importcheck.py runs in the app's interpreter (``python -I -S -B importchild.py``): standard
library only, it imports nothing of cleave.

It reads on stdin ``{"src", "site", "preload", "workers", "timeout", "targets": [{"service", "tree", "modules",
"env", "scratch"}]}``; takes the ``site`` folders (with their ``.pth`` files) and never a folder inside ``src``;
imports the ``preload`` standard-library modules once; then forks one child per target (``workers`` at a time):
the child moves into its ``scratch`` folder, takes ``env`` as its whole environment and ``[tree, site...]`` as its
``sys.path``, imports every module, and writes its failures to ``scratch/result.json``. A child still importing
after ``timeout`` seconds is killed. Prints ``[[service, [[module, [file, line] | null, kind, text], ...]], ...]``;
a target whose child was killed or died gets one failure of kind ``Timeout`` or ``Died``.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import site
import sys
import time
import traceback
from typing import Any

Failure = list[Any]


def main() -> None:
    config = json.load(sys.stdin)
    src = os.path.realpath(config["src"])
    base = [path for path in sys.path if path]
    for folder in config["site"]:
        if folder not in base and os.path.isdir(folder):
            site.addsitedir(folder)
    common = [path for path in dict.fromkeys(sys.path) if path and _outside(path, src)]
    for name in config["preload"]:
        try:
            importlib.import_module(name)
        except Exception:  # a module this interpreter lacks is simply not preloaded
            continue
    results = _run_all(config["targets"], common, int(config["workers"]), float(config["timeout"]))
    json.dump([[target["service"], results[index]] for index, target in enumerate(config["targets"])], sys.stdout)


def _outside(path: str, src: str) -> bool:
    real = os.path.realpath(path)
    return real != src and not real.startswith(src + os.sep)


def _run_all(targets: list[dict[str, Any]], common: list[str], workers: int, timeout: float
             ) -> dict[int, list[Failure]]:
    results: dict[int, list[Failure]] = {}
    running: dict[int, tuple[int, float]] = {}
    pending = list(enumerate(targets))
    while pending or running:
        while pending and len(running) < workers:
            index, target = pending.pop(0)
            running[_fork(target, common)] = (index, time.monotonic() + timeout)
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            for child, (index, deadline) in list(running.items()):
                if time.monotonic() > deadline:
                    os.kill(child, signal.SIGKILL)
                    os.waitpid(child, 0)
                    del running[child]
                    results[index] = [["", None, "Timeout", f"{timeout:.0f}"]]
            time.sleep(0.005)
            continue
        index, _ = running.pop(pid)
        results[index] = _result(targets[index], status)
    return results


def _result(target: dict[str, Any], status: int) -> list[Failure]:
    try:
        with open(os.path.join(target["scratch"], "result.json"), encoding="utf-8") as file:
            found: list[Failure] = json.load(file)
    except (OSError, ValueError):
        return [["", None, "Died", f"exit status {status}"]]
    return found


def _fork(target: dict[str, Any], common: list[str]) -> int:
    pid = os.fork()
    if pid:
        return pid
    try:
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        failures = _import_all(target, common)
        with open(os.path.join(target["scratch"], "result.json"), "w", encoding="utf-8") as file:
            json.dump(failures, file)
    finally:
        os._exit(0)


def _import_all(target: dict[str, Any], common: list[str]) -> list[Failure]:
    tree = target["tree"]
    os.chdir(target["scratch"])
    os.environ.clear()
    os.environ.update(target["env"])
    sys.path[:] = [tree, *[path for path in common if path != tree]]
    importlib.invalidate_caches()
    failures: list[Failure] = []
    for module in target["modules"]:
        try:
            importlib.import_module(module)
        except BaseException as error:  # SystemExit at import is a failure too
            failures.append([module, _where(error, tree), type(error).__name__,
                             str(error).splitlines()[0] if str(error) else ""])
    return failures


def _where(error: BaseException, tree: str) -> list[Any] | None:
    """``[relpath, line]`` of the deepest frame inside the tree (or of a syntax error's file)."""
    where = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.startswith(tree + os.sep):
            where = [os.path.relpath(frame.filename, tree), frame.lineno]
    if where is None and isinstance(error, SyntaxError) and error.filename:
        where = [os.path.relpath(error.filename, tree), error.lineno]
    return where


if __name__ == "__main__":
    main()
