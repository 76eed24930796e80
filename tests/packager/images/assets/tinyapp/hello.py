"""The tiny service the image tests build: one greeting and a report of where it runs."""

import os
import sys


def greet(name: str) -> str:
    return f"hello {name}"


def where() -> dict[str, object]:
    return {"uid": os.getuid(), "gid": os.getgid(), "data_dir": os.environ.get("DATA_DIR"),
            "python": sys.version.split()[0], "prefix": sys.prefix, "cwd": os.getcwd(),
            "writable_root": os.access("/", os.W_OK)}
