"""Every exception class of samples/shop crosses the codec as itself (same class, args, attributes and message).

Runs in a subprocess (``python -S``, the kit as ``cleave_kit``) so the sample's ``shop`` package never enters this
test process's ``sys.modules``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.kit.conftest import KIT

SHOP = Path(__file__).resolve().parents[2] / "samples" / "shop"

SCRIPT = r'''
import decimal, importlib, inspect, pkgutil, sys, uuid
sys.path.insert(0, sys.argv[1])
from cleave_kit import codec
import shop

SAMPLES = {"str": "x-1", "int": 3, "uuid.UUID": uuid.UUID(int=7), "Decimal": decimal.Decimal("1.50")}
checked = 0
for info in pkgutil.walk_packages(shop.__path__, "shop."):
    if not info.name.endswith(".errors"):
        continue
    module = importlib.import_module(info.name)
    for cls in vars(module).values():
        if not (isinstance(cls, type) and issubclass(cls, BaseException) and cls.__module__ == module.__name__):
            continue
        if "__init__" not in vars(cls):
            error = cls("something went wrong")
        else:
            parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
            error = cls(*(SAMPLES[str(p.annotation)] for p in parameters))
        back = codec.loads(codec.dumps(error))
        assert type(back) is cls, (cls, type(back))
        assert back.args == error.args and vars(back) == vars(error) and str(back) == str(error), cls
        checked += 1
print(checked)
'''


def test_every_shop_exception_round_trips(tmp_path: Path) -> None:
    shutil.copytree(KIT, tmp_path / "cleave_kit", ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run([sys.executable, "-S", "-c", SCRIPT, str(SHOP)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 20
