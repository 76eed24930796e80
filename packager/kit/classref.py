"""Class references on the wire (``module:QualName``) and the rule for which classes may be named.

Encoding checks once per class that its name leads back to it (no ``<locals>`` classes); decoding resolves a name
only to a dataclass, an enum or an exception class (never an arbitrary callable from the wire), and imports only
modules already loaded or modules outside the standard library (the application's own value types).
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import sys
from collections.abc import Callable
from typing import Final

from .errors import CodecError

_KIT: Final = __package__ or "cleave_kit"
_KIT_ALIAS: Final = "@kit"

_encoded: dict[type, str] = {}
_decoded: dict[tuple[str, str], type] = {}


def is_value_class(cls: type) -> bool:
    """True when instances of ``cls`` may be rebuilt from the wire: a dataclass, an enum or an exception class."""
    return dataclasses.is_dataclass(cls) or issubclass(cls, enum.Enum | BaseException)


def ref_of(cls: type) -> str:
    """The wire name of ``cls``; raises CodecError when the class cannot be found again by that name."""
    known = _encoded.get(cls)
    if known is not None:
        return known
    module, qualname = cls.__module__, cls.__qualname__
    if "<locals>" in qualname or _lookup(sys.modules.get(module), qualname) is not cls:
        raise CodecError(f"class {module}.{qualname} cannot be found by its qualified name on the other side "
                         "(it is defined inside a function or replaced after definition); define it at module level")
    if module == _KIT or module.startswith(_KIT + "."):
        module = _KIT_ALIAS + module[len(_KIT):]
    ref = f"{module}:{qualname}"
    _encoded[cls] = ref
    return ref


def resolve(ref: object, kind: str, accept: Callable[[type], bool]) -> type:
    """The class named ``ref`` on the wire, which must be a ``kind`` (``accept(cls)`` true); else CodecError."""
    if not isinstance(ref, str) or ref.count(":") != 1:
        raise CodecError(f"malformed class reference {ref!r} on the wire (expected 'module:QualName')")
    cached = _decoded.get((ref, kind))
    if cached is not None:
        return cached
    module, qualname = ref.split(":")
    if module == _KIT_ALIAS or module.startswith(_KIT_ALIAS + "."):
        module = _KIT + module[len(_KIT_ALIAS):]
    loaded = sys.modules.get(module)
    if loaded is None:
        if module.split(".")[0] in sys.stdlib_module_names:
            raise CodecError(f"refusing to import standard library module {module!r} named on the wire by {ref!r}")
        try:
            loaded = importlib.import_module(module)
        except ImportError as error:
            raise CodecError(f"class {ref!r} named on the wire cannot be imported here: {error}") from None
    cls = _lookup(loaded, qualname)
    if not isinstance(cls, type) or not accept(cls):
        raise CodecError(f"{ref!r} named on the wire is not {kind} here; refusing to rebuild it")
    _decoded[(ref, kind)] = cls
    return cls


def _lookup(module: object, qualname: str) -> object:
    found = module
    for part in qualname.split("."):
        found = getattr(found, part, None)
        if found is None:
            return None
    return found
